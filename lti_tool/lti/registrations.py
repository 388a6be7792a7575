"""Platform registrations and deployments: adding, listing and approving."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lti_tool.db import utcnow
from lti_tool.lti.models import Deployment, DeploymentStatus, Registration
from lti_tool.tenancy.models import AuditEvent, Organization
from lti_tool.validation import InvalidInputError, NotFoundError, check_text, check_url


def add_registration(
    session: Session,
    org: Organization,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    auth_audience: str | None = None,
    deployment_ids: tuple[str, ...] = (),
    auto_approve: bool = False,
    approve_first_deployment: bool = False,
    require_https: bool = False,
    audit_kind: str = "registration.added",
) -> Registration:
    issuer = check_text(issuer, "Issuer", 500)
    client_id = check_text(client_id, "Client id", 255)
    for url, what in (
        (auth_login_url, "Auth login URL"),
        (auth_token_url, "Auth token URL"),
        (keyset_url, "Keyset URL"),
    ):
        check_url(url, what, require_https)
    if auth_audience:
        auth_audience = check_text(auth_audience, "Auth audience", 1000)
    existing = session.scalars(
        select(Registration).where(
            Registration.issuer == issuer, Registration.client_id == client_id
        )
    ).first()
    if existing:
        raise InvalidInputError(
            f"Issuer {issuer!r} with client id {client_id!r} is already registered "
            f"(registration {existing.id})."
        )
    registration = Registration(
        organization_id=org.id,
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        keyset_url=keyset_url,
        auth_audience=auth_audience or None,
        auto_approve_deployments=auto_approve,
        approve_first_deployment=approve_first_deployment and not deployment_ids,
    )
    session.add(registration)
    session.flush()
    for deployment_id in dict.fromkeys(deployment_ids):
        _new_deployment(session, registration, deployment_id, DeploymentStatus.ACTIVE)
    session.add(
        AuditEvent(
            organization_id=org.id,
            kind=audit_kind,
            detail=f"registration={registration.id}",
        )
    )
    session.commit()
    return registration


def _new_deployment(
    session: Session, registration: Registration, deployment_id: str, status: DeploymentStatus
) -> Deployment:
    deployment_id = check_text(deployment_id, "Deployment id", 255)
    deployment = Deployment(
        registration_id=registration.id,
        deployment_id=deployment_id,
        status=status,
        approved_at=utcnow() if status == DeploymentStatus.ACTIVE else None,
    )
    session.add(deployment)
    session.flush()
    return deployment


def list_registrations(session: Session, org: Organization | None = None) -> list[Registration]:
    stmt = select(Registration).options(
        selectinload(Registration.deployments), selectinload(Registration.organization)
    )
    if org is not None:
        stmt = stmt.where(Registration.organization_id == org.id)
    return list(session.scalars(stmt.order_by(Registration.id)))


def get_registration(session: Session, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFoundError(
            f"No registration with id {registration_id} (see: lti-journeys platform list)."
        )
    return registration


def add_deployment(session: Session, registration: Registration, deployment_id: str) -> Deployment:
    existing = _find_deployment(session, registration, deployment_id)
    if existing is not None:
        raise InvalidInputError(
            f"Deployment {deployment_id!r} already exists on registration {registration.id} "
            f"({existing.status.value})."
        )
    deployment = _new_deployment(session, registration, deployment_id, DeploymentStatus.ACTIVE)
    session.commit()
    return deployment


def approve_deployment(
    session: Session, registration: Registration, deployment_id: str
) -> Deployment:
    deployment = _find_deployment(session, registration, deployment_id)
    if deployment is None:
        raise NotFoundError(
            f"Registration {registration.id} has no deployment {deployment_id!r} "
            "(see: lti-journeys deployment list --pending)."
        )
    if deployment.status == DeploymentStatus.ACTIVE:
        raise InvalidInputError(f"Deployment {deployment_id!r} is already active.")
    deployment.status = DeploymentStatus.ACTIVE
    deployment.approved_at = utcnow()
    session.add(
        AuditEvent(
            organization_id=registration.organization_id,
            kind="deployment.approved",
            detail=f"registration={registration.id} deployment={deployment_id}",
        )
    )
    session.commit()
    return deployment


def list_deployments(
    session: Session, registration: Registration | None = None, pending_only: bool = False
) -> list[Deployment]:
    stmt = select(Deployment).options(selectinload(Deployment.registration))
    if registration is not None:
        stmt = stmt.where(Deployment.registration_id == registration.id)
    if pending_only:
        stmt = stmt.where(Deployment.status == DeploymentStatus.PENDING)
    return list(session.scalars(stmt.order_by(Deployment.registration_id, Deployment.id)))


def _find_deployment(
    session: Session, registration: Registration, deployment_id: str
) -> Deployment | None:
    return session.scalars(
        select(Deployment).where(
            Deployment.registration_id == registration.id, Deployment.deployment_id == deployment_id
        )
    ).first()
