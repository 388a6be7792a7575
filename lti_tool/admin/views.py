"""The administrator's setup page: connecting Moodle and Canvas to the organisation.

It shows the tool's URLs and the exact values Moodle and Canvas ask for, creates Dynamic
Registration URLs for the administrator's own organisation, and lists that organisation's
platform registrations, their deployments and their grade passback.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lti_tool.db import get_read_session
from lti_tool.launch_session import launch_identity, require_launch
from lti_tool.lti.dynamic_registration import RegistrationLink, registration_link
from lti_tool.lti.models import Registration
from lti_tool.lti.passback import PassbackStatus, passback_status
from lti_tool.lti.roles import ToolRole
from lti_tool.lti.runtime import get_runtime
from lti_tool.tenancy.models import Organization

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(link: RegistrationLink | None = None) -> ResponseReturnValue:
    identity = launch_identity()
    session = get_read_session()
    org = session.get(Organization, identity.organization_id)
    registrations = list(
        session.scalars(
            select(Registration)
            .where(Registration.organization_id == identity.organization_id)
            .options(selectinload(Registration.deployments))
            .order_by(Registration.id)
        )
    )
    passback: dict[tuple[str, str], PassbackStatus] = {
        (s.issuer, s.client_id): s
        for s in passback_status(session)
        if org is not None and s.organization == org.slug
    }
    base = get_runtime().settings.base_url
    g.no_store = True
    return render_template(
        "admin/setup.html",
        org=org,
        base=base,
        registrations=registrations,
        passback=passback,
        link=link,
    )


@bp.get("/setup")
@require_launch(ToolRole.ADMIN)
def setup() -> ResponseReturnValue:
    return _page()


@bp.post("/setup/registration-url")
@require_launch(ToolRole.ADMIN)
def create_registration_url() -> ResponseReturnValue:
    identity = launch_identity()
    settings = get_runtime().settings
    org = get_read_session().get(Organization, identity.organization_id)
    if org is None:  # pragma: no cover - the token names an existing organisation
        return _page()
    link = registration_link(settings.base_url, settings.effective_secret_key, org, 24.0)
    return _page(link)
