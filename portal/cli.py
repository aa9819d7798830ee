"""Flask commands. Each is a thin wrapper over a domain function, and none prints a traceback
for a problem a person can fix: it prints one line saying what is wrong and exits non-zero."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from portal import migrate as migrations
from portal import routing
from portal.directory.helplines import routing_helplines
from portal.directory.load import DataError, load_directory
from portal.directory.queries import routing_services
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


def init_app(app: Flask) -> None:
    for command in (migrate_command, load_directory_command, route_command):
        app.cli.add_command(command)
