"""gzip for text responses, for when the app is served without a compressing proxy.

A compressed page that holds a secret (a CSRF token) and echoes what a visitor typed can leak
that secret through its size (BREACH), so a response is compressed only when no CSRF token
was made for it: the directory, service pages, pathways and static files, not the forms.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Flask, Response, g, request

TEXT_TYPES = {
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
}
SMALLEST = 500  # bytes: below this gzip saves little or nothing
LEVEL = 6


@lru_cache(maxsize=256)
def _gzip_repeated(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def compress(response: Response) -> Response:
    if (
        response.status_code < 200
        or response.status_code in (204, 206, 304)
        or response.mimetype not in TEXT_TYPES
        or "Content-Encoding" in response.headers
        or "csrf_token" in g  # see the module docstring
    ):
        return response
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip():
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < SMALLEST:
        return response
    # Static files and cached pages repeat byte for byte: compress each once.
    repeated = request.endpoint == "static" or g.get("page_from_cache", False)
    packed = _gzip_repeated(data) if repeated else gzip.compress(data, LEVEL, mtime=0)
    static = request.endpoint == "static"
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    if response.headers.get("ETag") and static:
        # The compressed bytes are another representation: a weak ETag says so.
        etag, _weak = response.get_etag()
        response.set_etag(f"{etag}-gzip", weak=True)
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress)
