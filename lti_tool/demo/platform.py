"""The demo platform's side of LTI 1.3: its key, seeding its registrations, signing id_tokens."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.demo import catalog
from lti_tool.demo.groups import seed_groups
from lti_tool.demo.journeys import seed_journeys
from lti_tool.demo.leadership import seed_leadership
from lti_tool.lti.models import Registration
from lti_tool.lti.registrations import add_registration
from lti_tool.tenancy.models import Organization
from lti_tool.tenancy.services import add_organization, add_unit, list_units

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
KEY_FILE = "demo-platform-key.pem"


@dataclass(frozen=True)
class DemoPlatform:
    """The demo LMS as a platform: issuer, key pair and endpoints under ``/demo``."""

    base_url: str
    instance_path: str

    @property
    def issuer(self) -> str:
        return self.base_url + "/demo"

    @property
    def key_path(self) -> Path:
        return Path(self.instance_path) / KEY_FILE

    def private_key(self) -> rsa.RSAPrivateKey:
        path = self.key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(pem)
            tmp.chmod(0o600)
            tmp.replace(path)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise RuntimeError(
                f"{path} does not hold an RSA private key; delete it to make a new one."
            )
        return loaded

    @property
    def kid(self) -> str:
        return "demo-" + str(uuid.uuid5(uuid.NAMESPACE_URL, self.issuer))[:8]

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key().public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def id_token(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, self.private_key(), algorithm="RS256", headers={"kid": self.kid})


def seed(session: Session, platform: DemoPlatform) -> list[str]:
    """Create the demo organisations, registrations, journeys and leaders' world; safe to rerun."""
    done: list[str] = []
    platform.private_key()
    for demo_org in catalog.ORGS:
        org = session.scalars(
            select(Organization).where(Organization.slug == demo_org.slug)
        ).first()
        if org is None:
            org = add_organization(session, demo_org.slug, demo_org.name)
            done.append(f"organisation {org.slug}")
        existing_units = {u.name for u in list_units(session, org)}
        for unit in sorted(
            {c.unit for c in catalog.COURSES if c.org_slug == org.slug} - existing_units
        ):
            add_unit(session, org, unit)
            done.append(f"unit {unit} in {org.slug}")
        registration = session.scalars(
            select(Registration).where(
                Registration.issuer == platform.issuer, Registration.client_id == demo_org.client_id
            )
        ).first()
        if registration is None:
            registration = add_registration(
                session,
                org,
                issuer=platform.issuer,
                client_id=demo_org.client_id,
                auth_login_url=platform.base_url + "/demo/auth",
                auth_token_url=platform.base_url + "/demo/token",
                keyset_url=platform.base_url + "/demo/jwks",
                deployment_ids=(demo_org.deployment_id,),
            )
            done.append(f"registration {platform.issuer} / {demo_org.client_id}")
        done.extend(seed_journeys(session, org))
        done.extend(seed_leadership(session, org, registration))
        done.extend(seed_groups(session, org, registration))
        session.commit()
    return done


def launch_claims(
    platform: DemoPlatform,
    person: catalog.DemoPerson,
    course: catalog.DemoCourse,
    nonce: str,
    target_link_uri: str,
    locale: str,
) -> dict[str, Any]:
    demo_org = catalog.org(course.org_slug)
    return {
        "aud": demo_org.client_id,
        "sub": f"demo-{person.key}",
        "nonce": nonce,
        "name": person.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        CLAIM + "message_type": "LtiResourceLinkRequest",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": demo_org.deployment_id,
        CLAIM + "target_link_uri": target_link_uri,
        CLAIM + "roles": list(person.roles),
        CLAIM + "context": {
            "id": course.key,
            "label": course.label,
            "title": course.title,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        CLAIM + "resource_link": {"id": f"{course.key}-link-1", "title": course.link_title},
        CLAIM + "tool_platform": {
            "guid": "demo-lms",
            "name": "lti-journeys demo LMS",
            "product_family_code": "lti-journeys-demo",
        },
        CLAIM + "launch_presentation": {"document_target": "iframe", "locale": locale},
        CLAIM + "custom": dict(course.custom),
    }
