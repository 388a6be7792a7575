"""The tool's xAPI statements about launches, built from what a launch provisioned."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app

from lti_tool.lrs_tenancy import tenant_of
from lti_tool.lti.adapter import DeploymentInfo as Deployment
from lti_tool.lti.adapter import OrganizationInfo
from lti_tool.lti.adapter import RegistrationInfo as Registration
from lti_tool.lti.roles import highest_role, is_preview, map_roles
from lti_tool.tenancy.models import Organization, Unit
from lti_tool.tenancy.provisioning import CLAIM, Provisioned
from xapi.profile import SCHOOL_UNITS
from xapi.recorder import Recorder
from xapi.statements import ActivityRef, Person, PrivacyPolicy, Situation, StatementFactory

EXTENSION_KEY = "lti_journeys_recording"
# A launch records with the cached snapshot, the journey pages with the row.
AnyOrganization = Organization | OrganizationInfo
TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"


def role_extension(
    tool_roles: Iterable[str], lti_roles: Iterable[object], preview: bool
) -> dict[str, Any]:
    """The ``role`` context extension: the actor's highest tool role, LIS roles, and preview."""
    return {
        "role": str(highest_role(tool_roles)),
        "lis": [r for r in lti_roles if isinstance(r, str)][:50],
        "preview": preview,
    }


class Recording:
    """Statement factory and recorder of one app, with the per-organisation privacy policy."""

    def __init__(self, base_url: str, validate: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self.factory = StatementFactory(base_url)
        self.recorder = Recorder(base_url, validate=validate)

    def policy(self, org: AnyOrganization) -> PrivacyPolicy:
        # The organisation's own stored key: pseudonyms cannot be joined across organisations,
        # and they outlive a rotation of the app's secret key.
        key = bytes(org.xapi_pseudonym_key) if org.xapi_pseudonymise else None
        return PrivacyPolicy(pseudonymise_key=key, include_identity=org.xapi_include_identity)

    def unit_activity(self, unit: Unit) -> ActivityRef:
        """The school unit as a grouping activity: by its skolenhetskod when set, else by id."""
        code = unit.school_unit_code
        base = self.factory.activity(
            "school-unit",
            SCHOOL_UNITS + code if code else self.factory.activity_iri("units", unit.id),
            {"sv": unit.name},
        )
        if not code:
            return base
        return ActivityRef(
            iri=base.iri,
            type_iri=base.type_iri,
            names=base.names,
            extensions={"school-unit-code": code},
        )

    def journey_identity(self, journey: Any, origin: Any | None) -> dict[str, Any]:
        """The ``journey`` extension: slug and key, and the library journey it was copied from
        (``origin``), so the same content can be compared across organisations."""
        return {
            "slug": journey.slug,
            "key": journey.key,
            "origin": self.factory.activity_iri("journeys", origin.key) if origin else None,
            "origin_slug": origin.slug if origin else None,
        }

    @staticmethod
    def unit_extension(unit: Unit) -> dict[str, Any]:
        """The ``unit`` context extension: id, name and skolenhetskod (null when unknown)."""
        return {"id": unit.id, "name": unit.name, "code": unit.school_unit_code}

    def situation(
        self,
        org: AnyOrganization,
        registration: Registration,
        deployment: Deployment,
        provisioned: Provisioned,
        claims: dict[str, Any],
        language: str | None,
    ) -> Situation:
        groupings: tuple[ActivityRef, ...] = ()
        context = provisioned.context
        if context is not None:
            names = {"sv": context.title or context.label or context.context_id}
            groupings = (
                self.factory.activity(
                    "lms-context", self.factory.activity_iri("lms-contexts", context.id), names
                ),
            )
        platform_claim = claims.get(TOOL_PLATFORM) or {}
        unit = provisioned.unit
        if unit is not None:
            groupings += (self.unit_activity(unit),)
        lti_roles = claims.get(CLAIM + "roles") or []
        if not isinstance(lti_roles, list):
            lti_roles = []
        tool_roles = [str(r) for r in map_roles(lti_roles)]
        return Situation(
            groupings=groupings,
            organization={"id": org.id, "slug": org.slug, "name": org.name},
            unit=self.unit_extension(unit) if unit is not None else None,
            platform={
                "issuer": registration.issuer,
                "client_id": registration.client_id,
                "deployment_id": deployment.deployment_id,
                "product": platform_claim.get("product_family_code")
                if isinstance(platform_claim, dict)
                else None,
            },
            language=language,
            extensions={
                "role": role_extension(tool_roles, lti_roles, is_preview(tool_roles, lti_roles))
            },
        )

    def launched(
        self,
        org: AnyOrganization,
        registration: Registration,
        deployment: Deployment,
        provisioned: Provisioned,
        claims: dict[str, Any],
        language: str | None,
    ) -> dict[str, Any]:
        """``launched``: the person opened the tool from a placement in the learning platform."""
        person = provisioned.person
        link = provisioned.resource_link
        target = self.factory.activity(
            "tool",
            self.factory.activity_iri("resource-links", link.id)
            if link is not None
            else self.factory.activity_iri("registrations", registration.id),
            {"sv": (link.title if link is not None and link.title else "lti-journeys")},
        )
        return self.factory.build(
            person=Person(
                issuer=registration.issuer,
                sub=person.sub,
                name=person.display_name or None,
                email=person.email,
            ),
            policy=self.policy(org),
            verb="launched",
            target=target,
            situation=self.situation(org, registration, deployment, provisioned, claims, language),
        )

    def record(
        self,
        session: Any,
        org: AnyOrganization,
        statements: list[dict[str, Any]],
        *,
        replayed: bool = False,
    ) -> None:
        self.recorder.record(session, tenant_of(org), statements, replayed=replayed)


def init_app(app: Flask, base_url: str, validate: bool = False) -> Recording:
    recording = Recording(base_url, validate)
    app.extensions[EXTENSION_KEY] = recording
    return recording


def get_recording(app: Flask | None = None) -> Recording:
    recording: Recording = (app or current_app).extensions[EXTENSION_KEY]
    return recording
