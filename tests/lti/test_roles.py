"""Mapping of LTI roles (context, institution, system; full IRIs and short names) to tool roles."""

from __future__ import annotations

import pytest

from lti_tool.lti.roles import TEST_USER, ToolRole, highest_role, is_preview, is_staff, map_roles

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
MEMBERSHIP = LIS + "membership#"
INSTITUTION = LIS + "institution/person#"
SYSTEM = LIS + "system/person#"

LEARNER = [ToolRole.LEARNER]
INSTRUCTOR = [ToolRole.INSTRUCTOR]
ADMIN = [ToolRole.INSTRUCTOR, ToolRole.ADMIN]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (MEMBERSHIP + "Learner", LEARNER),
        (MEMBERSHIP + "Instructor", INSTRUCTOR),
        (MEMBERSHIP + "ContentDeveloper", [ToolRole.CONTENT_DEVELOPER]),
        (MEMBERSHIP + "Administrator", INSTRUCTOR),
        (MEMBERSHIP + "Manager", INSTRUCTOR),
        (MEMBERSHIP + "Mentor", LEARNER),
    ],
)
def test_map_roles_full_context_iris(role: str, expected: list[ToolRole]) -> None:
    assert map_roles([role]) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (LIS + "membership/Instructor#TeachingAssistant", INSTRUCTOR),
        (LIS + "membership/Instructor#PrimaryInstructor", INSTRUCTOR),
        (LIS + "membership/Administrator#Support", INSTRUCTOR),
        (LIS + "membership/ContentDeveloper#Librarian", [ToolRole.CONTENT_DEVELOPER]),
        (LIS + "membership/Learner#NonCreditLearner", LEARNER),
        (LIS + "membership/Manager#Observer", INSTRUCTOR),
    ],
)
def test_map_roles_sub_roles_follow_their_principal_role(
    role: str, expected: list[ToolRole]
) -> None:
    assert map_roles([role]) == expected


def test_map_roles_learner_sub_role_named_instructor_stays_learner() -> None:
    # A sub-role refines its principal role: Learner#Instructor is a learner, not a teacher.
    assert map_roles([LIS + "membership/Learner#Instructor"]) == LEARNER


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (INSTITUTION + "Administrator", ADMIN),
        (INSTITUTION + "Faculty", INSTRUCTOR),
        (INSTITUTION + "Instructor", INSTRUCTOR),
        (INSTITUTION + "Student", LEARNER),
        (INSTITUTION + "Staff", LEARNER),
        (INSTITUTION + "Alumni", LEARNER),
    ],
)
def test_map_roles_institution_roles(role: str, expected: list[ToolRole]) -> None:
    assert map_roles([role]) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (SYSTEM + "Administrator", ADMIN),
        (SYSTEM + "SysAdmin", ADMIN),
        (SYSTEM + "AccountAdmin", ADMIN),
        (SYSTEM + "Creator", [ToolRole.CONTENT_DEVELOPER]),
        (SYSTEM + "User", LEARNER),
        (SYSTEM + "None", LEARNER),
    ],
)
def test_map_roles_system_roles(role: str, expected: list[ToolRole]) -> None:
    assert map_roles([role]) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Learner", LEARNER),
        ("Instructor", INSTRUCTOR),
        ("ContentDeveloper", [ToolRole.CONTENT_DEVELOPER]),
        ("Administrator", INSTRUCTOR),
        ("TeachingAssistant", INSTRUCTOR),
        (" Instructor ", INSTRUCTOR),
    ],
)
def test_map_roles_short_names(role: str, expected: list[ToolRole]) -> None:
    assert map_roles([role]) == expected


@pytest.mark.parametrize(
    "roles",
    [
        [],
        ["http://example.test/vocab#Wizard"],
        ["Wizard"],
        ["urn:lti:role:ims/lis/Instructor"],
        [LIS + "membership"],
        [LIS + "institution/person#"],
        ["Instructor#TeachingAssistant"],
        [None, 42, {"role": "Instructor"}],
    ],
    ids=["empty", "foreign-iri", "unknown-short", "lti11-urn", "bare", "no-name", "hash", "junk"],
)
def test_map_roles_unknown_or_empty_is_learner(roles: list[object]) -> None:
    assert map_roles(roles) == LEARNER


def test_map_roles_combines_in_fixed_order_without_duplicates() -> None:
    roles = [
        SYSTEM + "SysAdmin",
        MEMBERSHIP + "Instructor",
        "Instructor",
        MEMBERSHIP + "Learner",
        LIS + "membership/ContentDeveloper#ContentExpert",
        INSTITUTION + "Administrator",
    ]
    assert map_roles(roles) == [
        ToolRole.LEARNER,
        ToolRole.INSTRUCTOR,
        ToolRole.CONTENT_DEVELOPER,
        ToolRole.ADMIN,
    ]


def test_map_roles_returns_plain_strings_for_tokens() -> None:
    assert [str(r) for r in map_roles([MEMBERSHIP + "Instructor"])] == ["instructor"]


@pytest.mark.parametrize(
    ("roles", "staff"),
    [
        (["learner"], False),
        ([], False),
        (["learner", "instructor"], True),
        (["content_developer"], True),
        (["admin"], True),
    ],
)
def test_is_staff_only_for_instructors_developers_and_admins(roles: list[str], staff: bool) -> None:
    assert is_staff(roles) is staff


def test_map_roles_course_role_outweighs_institution_faculty() -> None:
    roles = [LIS + "institution/person#Faculty", LIS + "membership#Learner"]
    assert map_roles(roles) == [ToolRole.LEARNER]


def test_map_roles_institution_admin_stays_admin_in_a_course() -> None:
    roles = [LIS + "institution/person#Administrator", LIS + "membership#Learner"]
    assert map_roles(roles) == [ToolRole.LEARNER, ToolRole.INSTRUCTOR, ToolRole.ADMIN]


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["learner", "content_developer"], ToolRole.CONTENT_DEVELOPER),
        (["content_developer", "instructor"], ToolRole.INSTRUCTOR),
        (["instructor", "admin"], ToolRole.INSTRUCTOR),
        (["learner", "admin"], ToolRole.LEARNER),
        (["admin"], ToolRole.ADMIN),
        ([], ToolRole.LEARNER),
    ],
)
def test_highest_role_names_the_course_role_before_an_administrators(
    roles: list[str], expected: ToolRole
) -> None:
    assert highest_role(roles) == expected


@pytest.mark.parametrize(
    ("tool_roles", "lti_roles", "preview"),
    [
        (["learner"], [LIS + "membership#Learner"], False),
        (["instructor"], [LIS + "membership#Instructor"], True),
        (["content_developer"], [], True),
        (["learner"], [LIS + "membership#Learner", TEST_USER], True),
    ],
)
def test_is_preview_for_staff_and_the_platforms_test_student(
    tool_roles: list[str], lti_roles: list[str], preview: bool
) -> None:
    assert is_preview(tool_roles, lti_roles) is preview
