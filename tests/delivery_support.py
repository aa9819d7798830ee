"""What the outbox and delivery tests share: referrals put straight into the outbox, a real
SMTP server on loopback that keeps what it accepts, a fresh PostgreSQL with the directory,
and a self-signed certificate for STARTTLS."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.crypto import DataCipher
from portal.database import Database
from portal.delivery import messages, worker
from portal.delivery.smtp import SmtpTransport, parse_smtp_url
from portal.delivery.worker import Tally, WorkerSettings
from portal.directory.load import load_directory
from portal.migrate import upgrade
from portal.models import Delivery, Referral
from portal.referrals import store
from portal.routing import LLR_SUPPORT_SERVICE, Route
from tests.conftest import TEST_DATA_KEY

DEMO_DOMAIN = "referrals.example.org"
SENDER = "referrals@portal.example.org"
# Where links in the e-mails point (PORTAL_BASE_URL).
BASE_URL = "https://portal.example.org"
UAVA_ADDRESS = f"uava@{DEMO_DOMAIN}"

# Real organisations and services of the directory.
REFUGE = Route("wall", "wall-brookes-house", "refuge", ("Takes women and their children",))
PANAHGHAR = Route("panahghar", "panahghar-refuge", "refuge", ("By and for South Asian women",))
UAVA = Route("uava", LLR_SUPPORT_SERVICE, "helpline", ("Support across LLR",))

# What a person typed: none of it may appear in a log.
PHONE = "07700 900417"
CODE_WORD = "marigold"
NAME = "Bernadette Okonkwo"


def cipher() -> DataCipher:
    return DataCipher(TEST_DATA_KEY)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def answers(age: int = 34) -> dict:
    """Answers shaped as the form saves them."""
    return {
        "about-you": {
            "name": NAME,
            "age": age,
            "gender": "woman",
            "language": "en",
            "interpreter": "no",
        },
        "where": {"area": "leicester"},
        "needs": {"needs": ["safe-accommodation"]},
        "who-with": {"children": []},
        "contact": {"channels": ["text"], "phone": PHONE, "code_word": CODE_WORD},
    }


def submit(
    session: Session,
    routes: Sequence[Route] = (REFUGE,),
    *,
    now: dt.datetime | None = None,
    key: str | None = None,
    content: dict | None = None,
) -> Referral:
    """A referral as the check page stores it: content and one delivery per route."""
    content = content or {
        "referrer": "self",
        "answers": answers(),
        "routing": {"routes": [r.as_contract() for r in routes], "signposts": []},
        "shared_with": [r.service for r in routes],
    }
    return store.submit(
        session,
        cipher(),
        referrer="self",
        language="en",
        content=content,
        routes=routes,
        submission_key=key or secrets.token_urlsafe(24),
        now=now or dt.datetime.now(dt.UTC),
    )


def deliveries(database: Database) -> list[Delivery]:
    with database.session() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.created_at)))


def settings(schedule: Sequence[int] = (60, 300, 900)) -> WorkerSettings:
    return WorkerSettings(
        schedule=tuple(schedule),
        sender=SENDER,
        retention=dt.timedelta(days=7),
        draft_lifetime=dt.timedelta(hours=2),
        fallback_service=LLR_SUPPORT_SERVICE,
        base_url=BASE_URL,
        longest_retention=dt.timedelta(days=90),
        chase_after=dt.timedelta(hours=24),
    )


def run_worker(app: Flask, smtp_url: str, schedule: Sequence[int] = (60, 300, 900)) -> Tally:
    """The worker as `flask --app portal deliver --once` runs it, in this process."""
    with app.app_context(), SmtpTransport(parse_smtp_url(smtp_url)) as transport:
        return worker.run(
            app.extensions["portal.database"],
            app.extensions["portal.cipher"],
            transport.send,
            messages.compose,
            settings(schedule),
            once=True,
            hang_up=transport.close,
        )


# --- PostgreSQL --------------------------------------------------------------------------


def fresh_postgres(url: str) -> Database:
    """An empty PostgreSQL database, migrated, holding the directory."""
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    with database.session() as session:
        load_directory(session)
    return database


# --- a mail server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    recipients: tuple[str, ...]
    message: EmailMessage
    encrypted: bool

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts. Subclasses refuse or hold
    a message by overriding `before_accepting` (return an SMTP reply to refuse it)."""

    def __init__(self, refuse: Sequence[str] = ()):
        self.refuse = set(refuse)
        self.received: list[Received] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            with self._lock:
                self.refused.append(address)
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = await self.before_accepting(envelope)
        if reply is not None:
            return reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        with self._lock:
            self.received.append(Received(tuple(envelope.rcpt_tos), message, encrypted))
        return "250 2.0.0 Accepted"

    async def before_accepting(self, envelope) -> str | None:
        return None

    def copies(self) -> Counter:
        """How many accepted copies of each Message-ID."""
        with self._lock:
            return Counter(received.message_id for received in self.received)

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address in r.recipients]


@contextmanager
def mail_server(handler: Mailbox, port: int | None = None, **smtp_parameters) -> Iterator[int]:
    """Run an SMTP server on 127.0.0.1 (on `port`, or a free one); yields the port."""
    port = port or free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        server_hostname="mail.provider.test",
        **smtp_parameters,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


async def wait_for(condition, timeout: float) -> bool:
    """Inside a handler: wait (without blocking the server) until condition() holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


# --- certificates ------------------------------------------------------------------------


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key; returns (certificate, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate_path = directory / "mail.crt"
    key_path = directory / "mail.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path
