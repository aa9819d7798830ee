"""Sending mail over SMTP, encrypted: STARTTLS required on smtp://, TLS from the start on
smtps://, TLS 1.2 or later, certificates checked. Sending in clear is allowed only to a
server on this machine (a development mail sink) and only when the URL says tls=none."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from ipaddress import ip_address
from urllib.parse import parse_qs, unquote, urlsplit

from portal.config import ConfigError

LOOPBACK_NAMES = {"localhost"}


class TemporaryFailure(Exception):
    """Worth trying again later (connection, timeout, 4xx, TLS not offered)."""


class PermanentFailure(Exception):
    """The server refused for good (5xx for the recipient); retrying will not help."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls" | "tls" | "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    cafile: str | None = None


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtp://[user:pass@]host[:port][?tls=none|starttls&timeout=30&cafile=/path],
    smtps://[user:pass@]host[:port]. Raises ConfigError with a one-line reason."""
    if not url:
        raise ConfigError("PORTAL_SMTP_URL must be set, e.g. smtp://user:pass@mail.example.org")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("PORTAL_SMTP_URL must look like smtp://host:587 or smtps://host:465")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"tls", "timeout", "cafile"}
    if unknown:
        raise ConfigError(f"PORTAL_SMTP_URL: unknown option {sorted(unknown)[0]!r}")
    if parts.scheme == "smtps":
        security = "tls"
    else:
        security = {"none": "none", "starttls": "starttls", None: "starttls"}.get(
            query.get("tls"), ""
        )
        if not security:
            raise ConfigError("PORTAL_SMTP_URL: tls must be starttls or none")
    if security == "none" and not _is_loopback(parts.hostname):
        raise ConfigError(
            "PORTAL_SMTP_URL: tls=none is only allowed for a mail server on this machine"
        )
    try:
        port = parts.port or (465 if security == "tls" else 587)
        timeout = float(query.get("timeout", 30))
    except ValueError as exc:
        raise ConfigError("PORTAL_SMTP_URL: port and timeout must be numbers") from exc
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
        cafile=query.get("cafile"),
    )


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _Tracked:
    """Remembers whether DATA was begun for the message being sent. Until it is, nothing of
    the message can have been accepted, so a connection found dead can be replaced and the
    message sent again at once with no risk of a second copy."""

    data_begun = False

    def data(self, msg):
        self.data_begun = True
        return super().data(msg)


class _SMTP(_Tracked, smtplib.SMTP):
    pass


class _SMTPSSL(_Tracked, smtplib.SMTP_SSL):
    pass


def _connection_gone(exc: BaseException) -> bool:
    """The server closed the connection, or says it is closing it (421)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code == 421 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


class SmtpTransport:
    """Sends messages over one SMTP connection kept open while there is work, so a queue
    does not pay for a connection, a TLS handshake and a login per message (the worker calls
    close() when it goes idle, and on stopping). Any failure closes the connection. A
    connection the server dropped between messages is replaced once, at once, if the
    message had not reached DATA; otherwise the failure is retried on the schedule like any
    other. For one thread at a time."""

    # Some servers take only so many messages per connection; start afresh well before.
    MESSAGES_PER_CONNECTION = 100

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._client: smtplib.SMTP | None = None
        self._sent_on_connection = 0

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        try:
            self._send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"recipient refused ({codes[0]})") from exc
            raise TemporaryFailure(f"recipient deferred ({codes[0]})") from exc
        except smtplib.SMTPAuthenticationError as exc:
            # A wrong password is ours to fix, not a reason to give up on the referral.
            raise TemporaryFailure(f"authentication failed ({exc.smtp_code})") from exc
        except smtplib.SMTPSenderRefused as exc:
            # Our relay refusing our own sender address is ours to fix too.
            raise TemporaryFailure(f"sender refused ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"refused ({exc.smtp_code})") from exc
            raise TemporaryFailure(f"server said {exc.smtp_code}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}") from exc

    def close(self) -> None:
        """Say goodbye and close the connection, if one is open."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    def _send(self, message: EmailMessage) -> None:
        reused = self._client is not None
        try:
            self._send_on(self._client or self._connect(), message)
            return
        except (smtplib.SMTPException, OSError) as exc:
            begun = self._client is not None and self._client.data_begun
            self._drop()
            if not (reused and not begun and _connection_gone(exc)):
                raise
        except BaseException:
            self._drop()
            raise
        # The server closed a connection kept open between messages, before this message
        # reached DATA: nothing of it was accepted, so send it on a new connection now.
        try:
            self._send_on(self._connect(), message)
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        """Close the connection after a failure, without a goodbye it may not hear."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _send_on(self, client: smtplib.SMTP, message: EmailMessage) -> None:
        client.data_begun = False
        client.send_message(message)
        self._sent_on_connection += 1
        if self._sent_on_connection >= self.MESSAGES_PER_CONNECTION:
            self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            client = _SMTPSSL(s.host, s.port, timeout=s.timeout, context=tls_context(s))
        else:
            client = _SMTP(s.host, s.port, timeout=s.timeout)
        try:
            client.ehlo()
            if s.security == "starttls":
                if not client.has_extn("starttls"):
                    # Never fall back to sending a referral in clear.
                    raise TemporaryFailure("the mail server does not offer STARTTLS")
                client.starttls(context=tls_context(s))
                client.ehlo()
            if s.username:
                client.login(s.username, s.password or "")
        except BaseException:
            client.close()
            raise
        self._client = client
        self._sent_on_connection = 0
        return client
