"""Reminder e-mail: the SMTP URL, the person's language, and a total deadline on every send."""

from __future__ import annotations

import socket
import time
from email.message import EmailMessage

import pytest

from config.settings import SettingsError, load_settings
from lti_tool.reminders.mail import MailError, SmtpConfig, language_of, send
from tests.reminders.conftest import SENDER, SmtpServer
from tests.support.slow_server import SlowServer, slow_server


def test_smtp_url_with_starttls_and_credentials() -> None:
    config = SmtpConfig.from_url(
        "smtp://p%C3%A5min:hemligt%21@mail.test:2525?starttls=true", SENDER
    )
    assert (config.host, config.port, config.security) == ("mail.test", 2525, "starttls")
    assert (config.username, config.password) == ("påmin", "hemligt!")


@pytest.mark.parametrize(
    ("url", "port", "security"),
    [
        ("smtps://mail.test", 465, "ssl"),
        ("smtp://mail.test?starttls=true", 587, "starttls"),
        ("smtp://mail.test", 25, "plain"),
    ],
)
def test_smtp_url_default_ports(url: str, port: int, security: str) -> None:
    config = SmtpConfig.from_url(url, SENDER)
    assert (config.port, config.security, config.username) == (port, security, None)


def test_settings_refuse_an_smtp_url_of_another_scheme() -> None:
    with pytest.raises(SettingsError, match="LTI_JOURNEYS_SMTP_URL"):
        load_settings(_env_file=None, smtp_url="http://mail.test")


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en-US", "en"), ("en_GB", "en"), ("sv-SE", "sv"), ("de-DE", "sv"), (None, "sv"), ("", "sv")],
)
def test_language_of_a_persons_locale(locale: str | None, language: str) -> None:
    assert language_of(locale) == language


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Test"
    message["From"] = SENDER
    message["To"] = "alva@skola.test"
    message.set_content("Hej")
    return message


def test_send_delivers_to_the_server(smtp_server: SmtpServer) -> None:
    config = SmtpConfig.from_url(f"smtp://127.0.0.1:{smtp_server.port}", SENDER)
    send(config, _message(), 5)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["alva@skola.test"]


def _dripping_greeting(conn: socket.socket, server: SlowServer) -> None:
    server.drip(conn, b"220-")


def test_send_gives_up_at_the_deadline_however_slowly_the_server_answers() -> None:
    with slow_server(_dripping_greeting, interval=0.1) as server:
        config = SmtpConfig.from_url(f"smtp://127.0.0.1:{server.port}", SENDER)
        started = time.monotonic()
        with pytest.raises(MailError, match="deadline"):
            send(config, _message(), 1.0)
        assert time.monotonic() - started < 3


def test_send_names_no_address_when_refused(smtp_server: SmtpServer) -> None:
    port = smtp_server.port
    smtp_server.stop()
    config = SmtpConfig.from_url(f"smtp://127.0.0.1:{port}", SENDER)
    with pytest.raises(MailError) as refused:
        send(config, _message(), 2)
    assert "@" not in refused.value.reason and "127.0.0.1" not in refused.value.reason


@pytest.mark.parametrize("sender", ["paminnelser", "Påminnelser <p@example.se>", "a@b\r\nBcc: c@d"])
def test_settings_refuse_a_sender_that_is_not_one_plain_address(sender: str) -> None:
    with pytest.raises(SettingsError, match="LTI_JOURNEYS_MAIL_FROM"):
        load_settings(_env_file=None, mail_from=sender)
