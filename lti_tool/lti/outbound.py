"""Requests to URLs a platform named: public addresses only, a total deadline and a size cap.

Platforms name the URLs the tool calls (the OpenID configuration and registration endpoint in
Dynamic Registration, token and key set URLs, roster and line item URLs in launches), so whoever
controls a platform, or pastes a registration URL, could make the tool call its own network. Every
such call goes through ``OutboundPolicy``: the host name is resolved once, every address it has
must be public (or inside a network the administrator allows with
``LTI_JOURNEYS_OUTBOUND_ALLOWED_NETWORKS``), the connection goes to one of those very addresses
(a second lookup could answer differently), and each redirect is checked the same way. Failures
carry a short reason for the log; pages show one generic sentence, so nobody can map the
tool's network by the errors they get.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask, current_app

from config.settings import Settings
from xapi.bounded_http import BoundedClient, HttpError, HttpResponse, Limits

log = logging.getLogger(__name__)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.ip_network("64:ff9b::/96")
EXTENSION = "lti_journeys_outbound"

__all__ = ["HttpError", "HttpResponse", "OutboundPolicy", "is_public", "outbound_policy"]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IpAddress) -> bool:
    """Whether ``address`` is a public unicast address (none of the special-purpose ranges)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global  # also 100.64.0.0/10 (CGNAT), which is not "private"
    )


def parse_networks(value: str) -> tuple[IpNetwork, ...]:
    """Networks from a comma-separated list of addresses or CIDR blocks."""
    return tuple(
        ipaddress.ip_network(v.strip(), strict=False) for v in value.split(",") if v.strip()
    )


@dataclass(frozen=True)
class OutboundPolicy:
    """Which addresses the tool may call for a platform, and within which limits."""

    allowed_networks: tuple[IpNetwork, ...] = ()
    # Exact origins exempt from the address check: the built-in demo platform, which is the
    # tool's own server (never in production).
    trusted_origins: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundPolicy:
        trusted = {_origin(settings.demo_base_url)} if settings.demo_active else set()
        return cls(
            allowed_networks=parse_networks(settings.outbound_allowed_networks),
            trusted_origins=frozenset(trusted),
            limits=Limits(
                deadline_seconds=settings.outbound_deadline_seconds,
                connect_timeout_seconds=min(5.0, settings.outbound_deadline_seconds),
                read_timeout_seconds=settings.outbound_deadline_seconds,
            ),
        )

    def allows(self, address: IpAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return is_public(address) or any(address in net for net in self.allowed_networks)

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host``, all of which must be allowed."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise HttpError("connection", f"the name {host!r} could not be resolved") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not self.allows(address):
                # One private address among public ones is refused too: which one a client
                # connects to is not ours to choose.
                raise HttpError("refused", f"{host!r} has the non-public address {address}")
        return addresses

    def client(self, url: str) -> BoundedClient:
        """A client for ``url``'s origin: checked addresses, unless the origin is trusted."""
        if _origin(url) in self.trusted_origins:
            return BoundedClient(self.limits)
        return BoundedClient(self.limits, resolve=self.resolve)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int | None = None,
        deadline_seconds: float | None = None,
        follow_redirects: int = 0,
    ) -> HttpResponse:
        """One request within the limits; raises ``HttpError`` (logged) when there is no answer."""
        try:
            return self.client(url).request(
                method,
                url,
                headers=headers,
                body=body,
                max_bytes=max_bytes,
                deadline_seconds=deadline_seconds,
                follow_redirects=follow_redirects,
            )
        except HttpError as exc:
            log.warning("outbound %s %s failed (%s): %s", method, _origin(url), exc.kind, exc)
            raise


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def init_app(app: Flask, settings: Settings) -> OutboundPolicy:
    policy = OutboundPolicy.from_settings(settings)
    app.extensions[EXTENSION] = policy
    return policy


def outbound_policy(app: Flask | None = None) -> OutboundPolicy:
    """The app's policy for requests to platforms."""
    policy: OutboundPolicy = (app or current_app).extensions[EXTENSION]
    return policy
