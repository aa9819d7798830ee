"""The portal: domestic abuse services for Leicester, Leicestershire and Rutland.

create_app wires configuration, extensions, blueprints and headers; nothing else lives here.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, g
from flask_babel import format_date

from portal import assets, compression, errors, i18n, page_cache, safety, vocab
from portal import config as portal_config
from portal.config import ConfigError
from portal.crypto import DataCipher
from portal.database import Database
from portal.directory.helplines import footer_helplines
from portal.extensions import babel, csrf, htmx, limiter
from portal.forms import field_attributes


def create_app(config: dict | None = None) -> Flask:
    """Build the app. A configuration mistake stops a `flask` command with one line saying
    what to fix, not a traceback; elsewhere (a WSGI server, tests) it raises ConfigError."""
    try:
        return _build_app(config)
    except ConfigError as exc:
        if click.get_current_context(silent=True) is None:
            raise
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


def _build_app(config: dict | None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(portal_config.INSTANCE_DIR),
    )
    app.config.update(portal_config.from_environment())
    if config:
        app.config.update(config)

    # Registered first so that it runs last, after every other after_request handler.
    compression.init_app(app)

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(i18n.TRANSLATIONS_DIR)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    i18n.check_catalogs(app)

    database = Database(app.config["PORTAL_DATABASE_URL"])
    app.extensions["portal.database"] = database
    app.extensions["portal.cipher"] = DataCipher(app.config["PORTAL_DATA_KEY"])

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    from portal import cli
    from portal.admin.views import blueprint as admin_blueprint
    from portal.api.views import blueprint as oruk_blueprint
    from portal.directory.views import blueprint as directory_blueprint
    from portal.pages.views import blueprint as pages_blueprint
    from portal.pathways.views import blueprint as pathways_blueprint
    from portal.referrals.views import blueprint as referrals_blueprint
    from portal.staff.views import blueprint as staff_blueprint

    app.register_blueprint(pages_blueprint)
    app.register_blueprint(directory_blueprint)
    app.register_blueprint(referrals_blueprint)
    app.register_blueprint(oruk_blueprint)
    app.register_blueprint(pathways_blueprint)
    app.register_blueprint(staff_blueprint)
    app.register_blueprint(admin_blueprint)
    safety.init_app(app)
    assets.init_app(app)
    page_cache.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    app.jinja_env.globals.update(
        enabled_languages=i18n.enabled_languages,
        current_language=i18n.current_language,
        url_in_language=i18n.url_in_language,
        footer_helplines=footer_helplines,
        field_attributes=field_attributes,
        format_date=format_date,
        vocab=vocab,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    return app
