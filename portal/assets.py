"""Static files with their content's fingerprint in the address, so browsers may keep them a
year: a changed file gets a new address, and a page never pairs new HTML with an old script.

`asset_url("css/portal.css")` gives `/static/css/portal.css?v=<12 hex digits of sha256>`.
Responses for a fingerprinted address are `immutable`; others are kept an hour. Nothing
personal is ever in a static file; HTML itself stays no-store (safety.py).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

YEAR = 31_536_000
HOUR = 3_600


@cache
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def fingerprint(filename: str) -> str | None:
    path = Path(current_app.static_folder) / filename
    try:
        return _fingerprint(path, path.stat().st_mtime_ns)
    except OSError:
        return None


def asset_url(filename: str) -> str:
    version = fingerprint(filename)
    if version is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def _cache_static(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    current = request.args.get("v")
    if current and current == fingerprint(filename):
        response.cache_control.max_age = YEAR
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        # An old or missing fingerprint still gets the file, kept only briefly.
        response.cache_control.max_age = HOUR
        response.cache_control.public = True
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["asset_url"] = asset_url
    app.after_request(_cache_static)
