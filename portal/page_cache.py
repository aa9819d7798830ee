"""A short-lived cache of public directory pages in each app process.

The directory's pages are the same for everyone who asks for the same address on the same
day: they read no cookie or session and hold no CSRF token. Rendering one costs 10 ms or
more of CPU (the query, the filter form, dozens of translated cards), so each process keeps
the bytes it rendered for PORTAL_PAGE_CACHE_SECONDS (60 by default; 0 turns it off). A
change to the directory shows within that time. Only a 200 answer that set no cookie and
made no CSRF token and did not touch the session is kept; security headers are added fresh
on every answer.

Fragments (below) are kept differently: by everything they are drawn from, so one is reused
only while what it shows is the same, whatever the time, and the page cache being off does
not turn them off.
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


class Fragments:
    """Pieces of HTML kept in this process by a key that holds everything they are drawn from
    (a card: the service's values and the language), the least recently used dropped first.

    A piece is never out of date: a change to what it shows is a new key, and the old piece
    is dropped once unused. Templates that reload while the app runs (development) could
    change one under the same key, so then nothing is kept."""

    def __init__(self, size: int):
        self.size = size
        self._pieces: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            piece = self._pieces.get(key)
            if piece is not None:
                self._pieces.move_to_end(key)
            return piece

    def put(self, key, piece) -> None:
        if current_app.jinja_env.auto_reload:
            return
        with self._lock:
            self._pieces[key] = piece
            self._pieces.move_to_end(key)
            while len(self._pieces) > self.size:
                self._pieces.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pieces)

    def clear(self) -> None:
        with self._lock:
            self._pieces.clear()


def fragments(name: str) -> Fragments:
    """This app's store of one kind of fragment (see FRAGMENT_SIZES)."""
    return current_app.extensions["portal.fragments"][name]


# How many of each kind of fragment a process keeps. Cards: a page shows 50, and each language
# has its own (some 1 kB each). Filters: the directory's filter form for one set of choices in
# one language (some 6 kB). Frames: a page's layout around its content, by language.
FRAGMENT_SIZES = {"cards": 4096, "filters": 256, "frames": 64}


def init_app(app) -> None:
    seconds = app.config.get("PORTAL_PAGE_CACHE_SECONDS", 60)
    if seconds:
        app.extensions["portal.page_cache"] = PageCache(seconds)
    app.extensions["portal.fragments"] = {
        name: Fragments(size) for name, size in FRAGMENT_SIZES.items()
    }
