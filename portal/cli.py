"""Flask commands. Each is a thin wrapper over a domain function, and none prints a traceback
for a problem a person can fix: it prints one line saying what is wrong and exits non-zero."""

from __future__ import annotations

import datetime as dt
import json
import signal
import threading

import click
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from portal import migrate as migrations
from portal import routing
from portal.config import ConfigError
from portal.delivery import messages, worker
from portal.delivery.smtp import SmtpTransport, parse_smtp_url
from portal.delivery.worker import WorkerSettings
from portal.directory.helplines import routing_helplines
from portal.directory.load import DataError, load_directory
from portal.directory.queries import routing_services
from portal.staff import accounts
from portal.staff.keys import rotate_data
from portal.web import today


def _database():
    return current_app.extensions["portal.database"]


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database tables to the latest version."""
    url = current_app.config["PORTAL_DATABASE_URL"]
    try:
        migrations.upgrade(url)
    except SQLAlchemyError as exc:
        _fail(f"cannot migrate the database ({exc.__class__.__name__}); check PORTAL_DATABASE_URL")
    click.echo("database is up to date")


@click.command("load-directory")
def load_directory_command() -> None:
    """Load the services directory from portal/directory/data (safe to run again)."""
    try:
        with _database().session() as session:
            report = load_directory(session)
    except DataError as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(
            f"cannot load the directory ({exc.__class__.__name__}); "
            "has `flask --app portal migrate` been run?"
        )
    click.echo(report.summary())


@click.command("route")
@click.argument("path", type=click.File("r", encoding="utf-8"))
def route_command(path) -> None:
    """Decide where a referral (JSON file, or - for stdin) goes; print the decision as JSON."""
    try:
        referral = routing.parse_referral(json.load(path))
    except json.JSONDecodeError as exc:
        _fail(f"the referral is not valid JSON (line {exc.lineno}, column {exc.colno})")
    except UnicodeDecodeError:
        _fail("the referral is not UTF-8 text")
    except routing.ReferralError as exc:
        _fail(str(exc))
    try:
        with _database().session() as session:
            services = routing_services(session, today())
    except SQLAlchemyError as exc:
        _fail(
            f"cannot read the directory ({exc.__class__.__name__}); "
            "run `flask --app portal migrate` and `flask --app portal load-directory`"
        )
    if not services:
        _fail("the directory is empty: run `flask --app portal load-directory`")
    decision = routing.decide(referral, services, routing_helplines())
    click.echo(json.dumps(decision.as_contract(), indent=2, ensure_ascii=False))


def _worker_settings() -> WorkerSettings:
    config = current_app.config
    return WorkerSettings(
        schedule=config["PORTAL_RETRY_SCHEDULE"],
        sender=config["PORTAL_MAIL_FROM"],
        retention=dt.timedelta(days=config["PORTAL_RETENTION_DAYS"]),
        draft_lifetime=dt.timedelta(minutes=config["PORTAL_DRAFT_MINUTES"]),
        fallback_service=routing.LLR_SUPPORT_SERVICE,
        base_url=config["PORTAL_BASE_URL"],
        longest_retention=dt.timedelta(days=config["PORTAL_RETENTION_MAX_DAYS"]),
        chase_after=dt.timedelta(hours=config["PORTAL_CHASE_HOURS"]),
    )


@click.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
def deliver_command(once: bool) -> None:
    """Send referrals to providers by e-mail, retrying failures (runs until stopped)."""
    try:
        transport = SmtpTransport(parse_smtp_url(current_app.config["PORTAL_SMTP_URL"]))
    except ConfigError as exc:
        _fail(str(exc))
    if not current_app.config["PORTAL_BASE_URL"]:
        _fail("PORTAL_BASE_URL must be set: the e-mails link providers to their inbox")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        with transport:
            tally = worker.run(
                _database(),
                current_app.extensions["portal.cipher"],
                transport.send,
                messages.compose,
                _worker_settings(),
                once=once,
                stop=stop,
                hang_up=transport.close,
            )
    except SQLAlchemyError as exc:
        _fail(f"cannot reach the database ({exc.__class__.__name__}); check PORTAL_DATABASE_URL")
    click.echo(f"{tally.sent} sent, {tally.retrying} to retry later, {tally.parked} parked")


@click.command("purge")
def purge_command() -> None:
    """Delete referral content past its retention period, and abandoned drafts."""
    try:
        purged, drafts = worker.housekeeping(_database(), _worker_settings())
    except SQLAlchemyError as exc:
        _fail(f"cannot reach the database ({exc.__class__.__name__}); check PORTAL_DATABASE_URL")
    click.echo(f"{purged} referrals' content deleted, {drafts} unfinished forms deleted")


def _invitation_link(token: str) -> str:
    base = current_app.config["PORTAL_BASE_URL"]
    if not base:
        _fail("PORTAL_BASE_URL must be set (the portal's address) to make an invitation link")
    return f"{base}/staff/invitation/{token}"


@click.command("create-admin")
@click.option("--email", required=True, help="The administrator's work e-mail address.")
@click.option("--name", required=True, help="Their name, as the audit log will show it.")
def create_admin_command(email: str, name: str) -> None:
    """Invite an administrator: prints a one-time link where they choose a password and set
    up their authenticator app (the link lasts 7 days)."""
    try:
        with _database().session() as session:
            token = accounts.invite(
                session,
                email=email,
                name=name,
                role="admin",
                organisation=None,
                by=None,
                now=dt.datetime.now(dt.UTC),
                policy=accounts.Policy(),
                actor="create-admin command",
            )
    except ValueError as exc:
        _fail(f"cannot invite {email!r}: {exc}")
    except SQLAlchemyError as exc:
        _fail(
            f"cannot reach the database ({exc.__class__.__name__}); "
            "has `flask --app portal migrate` been run?"
        )
    click.echo(f"Invitation for {name}: open this link to choose a password (valid 7 days):")
    click.echo(_invitation_link(token))


@click.command("rotate-data-key")
def rotate_data_key_command() -> None:
    """Re-encrypt referral content, drafts and second-factor keys with the first key in
    PORTAL_DATA_KEY (after putting a new key first; the old keys can then be dropped)."""
    try:
        with _database().session() as session:
            count = rotate_data(session, current_app.extensions["portal.cipher"])
    except SQLAlchemyError as exc:
        _fail(f"cannot reach the database ({exc.__class__.__name__}); check PORTAL_DATABASE_URL")
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"{count} encrypted values re-encrypted with the first key")


def init_app(app: Flask) -> None:
    commands = (
        migrate_command,
        load_directory_command,
        route_command,
        deliver_command,
        purge_command,
        create_admin_command,
        rotate_data_key_command,
    )
    for command in commands:
        app.cli.add_command(command)
