"""Reminder e-mail over SMTP: the server from ``LTI_JOURNEYS_SMTP_URL``, a total deadline per message.

Plain text in the reader's language (their launch locale, else Swedish). Addresses and bodies are
never logged: an error names only its kind and the server's reply code.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _

from lti_tool.i18n import LANGUAGES
from lti_tool.reminders.models import Notice
from lti_tool.reminders.render import render

DEFAULT_LANGUAGE = "sv"
MAX_REASON = 500


class MailError(Exception):
    """An e-mail not sent; ``reason`` names the kind of failure, never an address or a body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:MAX_REASON]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    # "ssl": TLS from the start (smtps); "starttls": upgraded after EHLO; "plain": neither.
    security: str
    sender: str

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpConfig:
        """Read ``smtp://user:pass@host:587?starttls=true`` or ``smtps://user:pass@host:465``."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("the SMTP URL must be smtp://… or smtps://… with a host")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes", "on")
        security = "ssl" if parts.scheme == "smtps" else "starttls" if starttls else "plain"
        default_port = 465 if security == "ssl" else 587 if starttls else 25
        return cls(
            host=parts.hostname,
            port=parts.port or default_port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            security=security,
            sender=sender,
        )


def language_of(locale: str | None) -> str:
    """The person's language for e-mail: their launch locale's language when we speak it."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


_ADDRESS = re.compile(r"[^@\s<>\"(),;:]{1,64}@[^@\s<>\"(),;:]{1,255}")


def deliverable(address: str) -> bool:
    """Whether an address the platform shared can head an e-mail (one plain ``local@domain``)."""
    return len(address) <= 320 and _ADDRESS.fullmatch(address) is not None


def _one_line(text: str) -> str:
    """A header's text on one line: names and titles may hold line breaks, headers may not."""
    return " ".join(text.split())[:900]


def compose(
    notice: Notice, to: str, locale: str | None, sender: str, base_url: str
) -> EmailMessage:
    """The plain-text e-mail of a notice (needs an app context for the translations)."""
    language = language_of(locale)
    with force_locale(language):
        rendered = render(notice)
        path = rendered.target.relative()
        link = base_url + path if path else base_url + "/"
        body = "\n\n".join(
            part
            for part in (
                rendered.text,
                f"{rendered.action}: {link}",
                _(
                    "You get this e-mail because your organisation sends reminders from its "
                    "learning journeys. You can turn reminder e-mails off under “Notices” in the "
                    "tool."
                ),
            )
            if part
        )
        subject = rendered.title
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Content-Language"] = language
    # Out-of-office replies and list software leave automatic messages alone (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n", charset="utf-8")
    return message


class _Deadline:
    """Closes the connection when the time is up, however slowly the server answers."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            self.expired = True
            raise MailError("deadline: the SMTP server took too long")
        return left

    def guard(self, client: smtplib.SMTP) -> None:
        def expire() -> None:
            self.expired = True
            sock = client.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        self._timer = threading.Timer(self.remaining(), expire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def send(config: SmtpConfig, message: EmailMessage, deadline_seconds: float) -> None:
    """Send one message within ``deadline_seconds`` in all, or raise ``MailError``."""
    deadline = _Deadline(deadline_seconds)
    context = ssl.create_default_context()
    client: smtplib.SMTP | None = None
    try:
        if config.security == "ssl":
            client = smtplib.SMTP_SSL(timeout=deadline.remaining(), context=context)
        else:
            client = smtplib.SMTP(timeout=deadline.remaining())
        # Guarded before connecting: a server may send even its greeting one byte at a time.
        deadline.guard(client)
        client.connect(config.host, config.port)
        client.ehlo()
        if config.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if config.username:
            client.login(config.username, config.password or "")
        client.send_message(message)
        client.quit()
        client = None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"{type(exc).__name__}: SMTP {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:
        if deadline.expired:
            raise MailError("deadline: the SMTP server took too long") from None
        raise MailError(f"{type(exc).__name__}: the message could not be sent") from None
    finally:
        deadline.cancel()
        if client is not None:
            with contextlib.suppress(OSError):
                client.close()
