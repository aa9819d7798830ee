"""A short-lived cache of public directory pages in each app process.

The directory's pages are the same for everyone who asks for the same address on the same
day: they read no cookie or session and hold no CSRF token. Rendering one costs 10 ms or
more of CPU (the query, the filter form, dozens of translated cards), so each process keeps
the bytes it rendered for PORTAL_PAGE_CACHE_SECONDS (60 by default; 0 turns it off). A
change to the directory shows within that time. Only a 200 answer that set no cookie and
made no CSRF token and did not touch the session is kept; security headers are added fresh
on every answer.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from flask import Response, current_app, g, make_response, request, session

from portal.web import today

KEPT_HEADERS = ("Content-Type", "Vary")
SIZE = 512  # addresses kept per process (a page is 5-40 kB)


@dataclass(frozen=True)
class _Page:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    expires: float


class PageCache:
    def __init__(self, seconds: int, size: int = SIZE):
        self.seconds, self.size = seconds, size
        self._pages: OrderedDict[tuple, _Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires < time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, response: Response) -> None:
        headers = tuple((k, v) for k in KEPT_HEADERS if (v := response.headers.get(k)))
        page = _Page(
            response.status_code, headers, response.get_data(), time.monotonic() + self.seconds
        )
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _key() -> tuple:
    return (
        request.full_path,
        request.headers.get("HX-Request"),
        request.headers.get("HX-Target"),
        today(),
    )


def public_page(view):
    """Serve the view's page from this process's cache when it was rendered lately."""

    @wraps(view)
    def cached(*args, **kwargs):
        cache: PageCache | None = current_app.extensions.get("portal.page_cache")
        if cache is None or request.method != "GET":
            return view(*args, **kwargs)
        key = _key()
        page = cache.get(key)
        if page is not None:
            g.page_from_cache = True
            return Response(page.body, status=page.status, headers=list(page.headers))
        response = make_response(view(*args, **kwargs))
        if (
            response.status_code == 200
            and "csrf_token" not in g
            # A view that wrote to the session is about one visitor. (A decorated view must
            # not read it either; no public page does.)
            and not session.modified
            and "Set-Cookie" not in response.headers
            and not response.direct_passthrough
        ):
            cache.put(key, response)
        return response

    return cached


def init_app(app) -> None:
    seconds = app.config.get("PORTAL_PAGE_CACHE_SECONDS", 60)
    if seconds:
        app.extensions["portal.page_cache"] = PageCache(seconds)
