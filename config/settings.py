"""One typed settings object, read from ``LTI_JOURNEYS_*`` environment variables and ``.env``.

pydantic-settings is used because it gives typed, validated settings from the environment with a
prefix and ``.env`` support in one well-maintained package (the pattern Ralph uses).
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105
DEV_DATABASE_URL = "sqlite:///instance/lti-journeys.sqlite3"


class SettingsError(RuntimeError):
    """The configuration cannot be used; the message names the variable to set."""


class Settings(BaseSettings):
    """Everything the tool reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="LTI_JOURNEYS_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = "development"
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:5000"
    redis_url: str = ""
    # Separate key for private keys at rest; derived from the secret key when unset.
    key_encryption_key: str = ""
    session_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    login_state_ttl_seconds: int = Field(default=600, ge=30, le=3600)
    jwt_leeway_seconds: int = Field(default=60, ge=0, le=300)
    jwks_cache_seconds: int = Field(default=3600, ge=0)
    jwks_fetch_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    key_rotation_grace_days: int = Field(default=14, ge=0, le=365)
    default_locale: Literal["sv", "en"] = "sv"
    lrs_max_body_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Statements in one PUT/POST: each is validated and indexed in the request, so a batch of tens
    # of thousands would hold a worker for seconds (the delivery worker sends 250 at a time).
    lrs_max_statements_per_request: int = Field(default=1000, ge=1, le=50_000)
    # Check each statement the tool records against the profile's templates before it is stored
    # (a statement that does not follow the profile is then a 500, a defect to fix). By default
    # on in development and tests, off in production.
    xapi_validate_statements: bool | None = None
    # Version the LRS names in answers to requests without X-Experience-API-Version.
    lrs_default_version: Literal["1.0.3", "2.0.0"] = "2.0.0"
    # Evidence files are kept in the database: bounded per learner (bytes and files, over all
    # their journeys) and per organisation, so no one fills the database for everyone.
    evidence_quota_learner_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    evidence_quota_learner_files: int = Field(default=500, ge=1)
    evidence_quota_organization_bytes: int = Field(default=50 * 1024**3, ge=1)
    # Pieces of evidence (text, links, files) one learner may add to one task, and messages in
    # the dialogue on one reflection (in all, and from one person in 24 hours).
    evidence_max_per_step: int = Field(default=100, ge=1)
    reflection_comments_max: int = Field(default=500, ge=1)
    reflection_comments_max_per_day: int = Field(default=50, ge=1)
    # Origins (scheme://host[:port], comma-separated) whose pages may call the LRS from a
    # browser; "*" allows any. Credentials (cookies) are never allowed cross-origin.
    lrs_cors_origins: str = "*"
    # Calls to URLs a platform names reach public addresses only; these networks (addresses or
    # CIDR blocks, comma-separated, e.g. "10.20.0.0/16") are allowed too. Tests use loopback.
    outbound_allowed_networks: str = ""
    # Total seconds one call to a platform may take, however slowly it answers.
    outbound_deadline_seconds: float = Field(default=15.0, gt=0, le=120)
    demo_enabled: bool = True
    # Where the demo LMS is addressed when it should be another site than the tool (to try
    # launches with third-party cookies blocked: the tool on localhost, the demo on 127.0.0.1).
    demo_platform_url: str | None = None
    # Delivery of xAPI statements to external LRSs: `lti-journeys xapi worker`, or a thread in the
    # server process (default: only in development).
    delivery_thread: bool | None = None
    delivery_batch_size: int = Field(default=250, ge=1, le=5000)
    delivery_concurrency: int = Field(default=1, ge=1, le=32)
    delivery_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    delivery_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    delivery_read_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    delivery_backoff_base_seconds: float = Field(default=1.0, gt=0, le=3600)
    delivery_backoff_max_seconds: float = Field(default=300.0, gt=0, le=86400)
    delivery_pause_probe_seconds: float = Field(default=300.0, gt=0, le=86400)
    delivery_keep_days: float = Field(default=7.0, ge=0, le=3650)
    log_level: str = "INFO"
    log_json: bool = False
    # Readiness (/readyz): the workers that must have a recent heartbeat (comma-separated names;
    # default: none where the server's own threads deliver, else both), how old a heartbeat may
    # be, and how long the database may take to answer.
    ready_workers: str | None = None
    worker_stale_seconds: float = Field(default=180.0, ge=30, le=86400)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # Reminder e-mail: the SMTP server (smtp://user:pass@host:587?starttls=true, or smtps://…
    # for TLS from the start; empty: no e-mail, notices only in the tool), the sender address,
    # and the total seconds one message may take to send.
    smtp_url: str = ""
    mail_from: str = ""
    smtp_deadline_seconds: float = Field(default=30.0, gt=0, le=300)
    # Reminders: how long before a session its reminder goes out, how long a group may wait on
    # a member's part of a phase before they are reminded, and the worker's pace and retries.
    reminder_session_lead_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    reminder_phase_grace_hours: float = Field(default=48.0, ge=0, le=24 * 90)
    reminder_poll_seconds: float = Field(default=60.0, gt=0, le=3600)
    reminder_max_attempts: int = Field(default=6, ge=1, le=50)
    reminder_backoff_base_seconds: float = Field(default=60.0, gt=0, le=86400)
    reminder_backoff_max_seconds: float = Field(default=6 * 3600.0, gt=0, le=7 * 86400)

    @field_validator("base_url", "demo_platform_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("smtp", "smtps") or not parts.hostname):
            raise ValueError(
                "write smtp://user:password@host:587?starttls=true or smtps://user:password@host:465"
            )
        return value

    @field_validator("mail_from")
    @classmethod
    def _check_mail_from(cls, value: str) -> str:
        local, at, domain = value.partition("@")
        if value and (not at or not local or not domain or any(c in value for c in " <>\r\n,;")):
            raise ValueError("write one plain address, e.g. paminnelser@example.se")
        return value

    @field_validator("outbound_allowed_networks")
    @classmethod
    def _check_networks(cls, value: str) -> str:
        for network in (n.strip() for n in value.split(",") if n.strip()):
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"{network!r} is not an IP address or CIDR block (e.g. 10.20.0.0/16)"
                ) from None
        return value

    @field_validator("lrs_cors_origins")
    @classmethod
    def _check_origins(cls, value: str) -> str:
        for origin in (o.strip() for o in value.split(",")):
            parts = urlsplit(origin)
            if origin != "*" and (
                parts.scheme not in ("http", "https") or not parts.hostname or parts.path
            ):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port] (comma-separated), "
                    "or * for any"
                )
        return value

    @property
    def lrs_cors_origin_list(self) -> tuple[str, ...]:
        """The origins allowed to call the LRS from a browser page ("*": any)."""
        return tuple(o.strip() for o in self.lrs_cors_origins.split(","))

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or DEV_DATABASE_URL

    @property
    def effective_secret_key(self) -> str:
        return self.secret_key or DEV_SECRET_KEY

    @property
    def validate_statements(self) -> bool:
        """Check every statement the tool records against its xAPI profile's templates."""
        if self.xapi_validate_statements is None:
            return self.env != "production"
        return self.xapi_validate_statements

    @property
    def delivery_thread_active(self) -> bool:
        """Deliver from a thread of the server process: by default only in development."""
        if self.delivery_thread is None:
            return self.env == "development"
        return self.delivery_thread

    @property
    def expected_workers(self) -> tuple[str, ...]:
        """Workers /readyz waits for: none when the server delivers from its own threads."""
        if self.ready_workers is None:
            return () if self.delivery_thread_active else ("xapi-delivery", "grade-passback")
        return tuple(name.strip() for name in self.ready_workers.split(",") if name.strip())

    @property
    def reminder_email_configured(self) -> bool:
        """Reminders may be e-mailed: an SMTP server and a sender address are set."""
        return bool(self.smtp_url and self.mail_from)

    @property
    def demo_base_url(self) -> str:
        return self.demo_platform_url or self.base_url

    @property
    def demo_active(self) -> bool:
        """The demo LMS never runs in production, whatever its flag says."""
        return self.demo_enabled and not self.is_production

    def check_production(self) -> None:
        """Refuse unsafe production settings, naming the variable to fix."""
        if not self.is_production:
            return
        if not self.secret_key or self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            raise SettingsError(
                "LTI_JOURNEYS_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if not self.database_url:
            raise SettingsError(
                "LTI_JOURNEYS_DATABASE_URL must be set in production "
                "(for example postgresql+psycopg://user:password@host/lti_journeys)."
            )
        if urlsplit(self.base_url).scheme != "https":
            raise SettingsError(
                "LTI_JOURNEYS_BASE_URL must be the public https:// address of the tool in "
                f"production (it is {self.base_url!r}); LMS platforms only launch https tools."
            )


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides (tests), and check them."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"LTI_JOURNEYS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"Invalid configuration: {problems}") from None
    settings.check_production()
    return settings
