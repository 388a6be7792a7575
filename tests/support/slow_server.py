"""A raw TCP server that answers HTTP badly on purpose: slowly, endlessly, or too much."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

Behaviour = Callable[[socket.socket, "SlowServer"], None]


@dataclass
class SlowServer:
    """Serves every connection with ``behaviour``; counts connections and remembers requests."""

    behaviour: Behaviour
    interval: float = 0.2
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def read_request(self, conn: socket.socket) -> bytes:
        data = b""
        conn.settimeout(5)
        with suppress(OSError):
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.requests.append(data)
        return data

    def drip(self, conn: socket.socket, head: bytes) -> None:
        """Send ``head`` at once, then one byte every ``interval`` until stopped."""
        conn.sendall(head)
        while not self.stop.wait(self.interval):
            conn.sendall(b"x")


def drip_headers(conn: socket.socket, server: SlowServer) -> None:
    """A status line, then a header that never ends, one byte at a time."""
    server.read_request(conn)
    server.drip(conn, b"HTTP/1.1 200 OK\r\nX-Slow: ")


def drip_body(conn: socket.socket, server: SlowServer) -> None:
    """Complete headers, then a body of one byte at a time."""
    server.read_request(conn)
    server.drip(
        conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )


def endless_body(conn: socket.socket, server: SlowServer) -> None:
    """An answer without a length that streams as fast as it can, for ever."""
    server.read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    block = b"[" + b" " * 65535
    while not server.stop.is_set():
        conn.sendall(block)


def answer(status: int, body: bytes, headers: str = "") -> Behaviour:
    """A prompt, complete answer."""

    def behaviour(conn: socket.socket, server: SlowServer) -> None:
        server.read_request(conn)
        conn.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{headers}"
            "Connection: close\r\n\r\n".encode()
            + body
        )

    return behaviour


@contextmanager
def slow_server(behaviour: Behaviour, interval: float = 0.2) -> Iterator[SlowServer]:
    """A running ``SlowServer`` on 127.0.0.1; its connections end when the block ends."""
    server = SlowServer(behaviour, interval)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    server.port = listener.getsockname()[1]

    def serve_one(conn: socket.socket) -> None:
        with conn, suppress(OSError):
            behaviour(conn, server)

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server.connections += 1
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(5)
        listener.close()
        time.sleep(0)


def certificate(name: str) -> tuple[bytes, bytes]:
    """A self-signed certificate for the DNS name ``name`` and its key, both PEM."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


@contextmanager
def tls_server(name: str, body: bytes, tmp: Path) -> Iterator[tuple[SlowServer, str, list[str]]]:
    """An https server with a certificate for ``name``: (server, its CA PEM, SNI names seen)."""
    cert_pem, key_pem = certificate(name)
    (tmp / "cert.pem").write_bytes(cert_pem)
    (tmp / "key.pem").write_bytes(key_pem)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    names: list[str] = []
    context.sni_callback = lambda _sock, server_name, _ctx: names.append(server_name or "")
    plain = answer(200, body)

    def behaviour(conn: socket.socket, server: SlowServer) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            plain(tls, server)

    with slow_server(behaviour) as server:
        yield server, cert_pem.decode(), names
