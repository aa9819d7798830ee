"""Flask commands. Each is a thin wrapper over a domain function, and none prints a traceback
for a problem a person can fix: it prints one line saying what is wrong and exits non-zero."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from portal import migrate as migrations
from portal.directory.load import DataError, load_directory


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


def init_app(app: Flask) -> None:
    for command in (migrate_command, load_directory_command):
        app.cli.add_command(command)
