"""Mapping of the LTI role vocabularies (context, institution, system; full and short) to tool roles."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class ToolRole(StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    CONTENT_DEVELOPER = "content_developer"
    ADMIN = "admin"


LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
# The platform's test student (Canvas "Student view"). Moodle's "switch role to student" sends the
# plain Learner role, so a teacher previewing that way cannot be told from a learner.
TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"
# A statement names one role: the person's role in the course, the most telling first; an
# administrator's institution role only when no course role says more.
_RANK = (ToolRole.INSTRUCTOR, ToolRole.CONTENT_DEVELOPER, ToolRole.LEARNER, ToolRole.ADMIN)

# Context (membership) roles, including sub-roles such as membership/Instructor#TeachingAssistant.
_MEMBERSHIP = {
    "Learner": ToolRole.LEARNER,
    "Instructor": ToolRole.INSTRUCTOR,
    "ContentDeveloper": ToolRole.CONTENT_DEVELOPER,
    "Administrator": ToolRole.INSTRUCTOR,
    "Manager": ToolRole.INSTRUCTOR,
    "TeachingAssistant": ToolRole.INSTRUCTOR,
}
_INSTITUTION = {
    "Administrator": ToolRole.ADMIN,
    "Faculty": ToolRole.INSTRUCTOR,
    "Instructor": ToolRole.INSTRUCTOR,
    "Student": ToolRole.LEARNER,
    "Learner": ToolRole.LEARNER,
    "Staff": ToolRole.LEARNER,
    "Member": ToolRole.LEARNER,
}
_SYSTEM = {
    "Administrator": ToolRole.ADMIN,
    "SysAdmin": ToolRole.ADMIN,
    "AccountAdmin": ToolRole.ADMIN,
    "Creator": ToolRole.CONTENT_DEVELOPER,
}


def _classify(role: str) -> tuple[ToolRole | None, bool]:
    """The tool role a single LTI role grants, and whether it is a context (course) role."""
    if role.startswith(LIS + "membership"):
        # membership#Instructor or membership/Instructor#TeachingAssistant: the principal role
        # decides, since a sub-role only refines it (membership/Learner#Instructor is a learner).
        rest = role[len(LIS + "membership") :].lstrip("/#")
        principal = rest.partition("#")[0]
        return _MEMBERSHIP.get(principal), True
    if role.startswith(LIS + "institution/person#"):
        return _INSTITUTION.get(role.rsplit("#", 1)[1]), False
    if role.startswith(LIS + "system/person#"):
        return _SYSTEM.get(role.rsplit("#", 1)[1]), False
    if "://" not in role and "#" not in role:
        # Short context role names, which LTI 1.3 still allows (for example "Instructor").
        return _MEMBERSHIP.get(role), True
    return None, False


def map_roles(lti_roles: Iterable[object]) -> list[ToolRole]:
    """Tool roles for a launch; anyone without a recognised role is a learner.

    In a course, the course (context) roles decide: Canvas sends the institution role Faculty
    for anyone who teaches anywhere, which must not make a teacher who takes a course as a
    participant an instructor of it. Institution and system roles decide only when the launch
    carries no course role, except that administrators stay administrators.
    """
    in_context: set[ToolRole] = set()
    outside: set[ToolRole] = set()
    for role in lti_roles:
        if not isinstance(role, str):
            continue
        tool_role, is_context = _classify(role.strip())
        if tool_role is not None:
            (in_context if is_context else outside).add(tool_role)
    found = set(in_context) if in_context else set(outside)
    if ToolRole.ADMIN in outside:
        found.add(ToolRole.ADMIN)
    if ToolRole.ADMIN in found:
        found.add(ToolRole.INSTRUCTOR)
    if not found:
        found.add(ToolRole.LEARNER)
    order = list(ToolRole)
    return sorted(found, key=order.index)


def is_staff(roles: Iterable[str]) -> bool:
    """Instructors, content developers and admins may see the course's people."""
    return any(
        r in (ToolRole.INSTRUCTOR, ToolRole.CONTENT_DEVELOPER, ToolRole.ADMIN) for r in roles
    )


def highest_role(roles: Iterable[str]) -> ToolRole:
    """The role a statement names (instructor > content developer > learner > admin)."""
    held = set(roles)
    return next((r for r in _RANK if r in held), ToolRole.LEARNER)


def is_preview(tool_roles: Iterable[str], lti_roles: Iterable[object]) -> bool:
    """Whether a person's own journey is a preview: staff in the course, or a test student."""
    return is_staff(tool_roles) or any(
        isinstance(r, str) and r.strip() == TEST_USER for r in lti_roles
    )
