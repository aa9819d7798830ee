"""The portal as a real server process for fault-injection tests: gunicorn on loopback, with
production settings, and a browser-like client (cookies, forms) over real HTTP."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import TEST_DATA_KEY
from tests.delivery_support import free_port

ROOT = Path(__file__).resolve().parents[1]


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "fault-test-secret",
        "PORTAL_DATA_KEY": TEST_DATA_KEY,
        "PORTAL_DATABASE_URL": database_url,
        # Plain HTTP on loopback: the cookie cannot be Secure.
        "PORTAL_SECURE_COOKIES": "false",
        "PORTAL_BASE_URL": "https://portal.example.org",
        "PORTAL_PAGE_CACHE_SECONDS": "0",
        **extra,
    }


@contextlib.contextmanager
def portal_server(database_url: str, **extra: str) -> Iterator[str]:
    """gunicorn serving portal.wsgi:app on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            # Newer gunicorns open a control socket (one path per user) and remove it on
            # exit; several test servers must not share or remove one.
            "--no-control-socket",
            "portal.wsgi:app",
        ],
        cwd=ROOT,
        env=server_environment(database_url, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.communicate(timeout=5)[0] if process.poll() is not None else ""
                raise AssertionError(f"gunicorn did not start: {output[-2000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
        # Whatever went wrong, the server printed no traceback (and so no typed text).
        assert "Traceback" not in output, output[-3000:]


@dataclass
class Answer:
    status: int
    body: str
    headers: dict
    url: str


class Browser:
    """Cookies kept, redirects followed, forms posted with their CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def _open(self, request) -> Answer:
        try:
            with self.opener.open(request, timeout=30) as response:
                body = response.read().decode()
                answer = Answer(response.status, body, dict(response.headers), response.url)
        except urllib.error.HTTPError as error:
            body = error.read().decode()
            answer = Answer(error.code, body, dict(error.headers), error.url)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', answer.body)
        if found:
            self.token = found.group(1)
        return answer

    def get(self, path: str) -> Answer:
        return self._open(self.base + path)

    def post(self, path: str, data: dict) -> Answer:
        encoded = urllib.parse.urlencode({"csrf_token": self.token, **data}, doseq=True)
        return self._open(urllib.request.Request(self.base + path, data=encoded.encode()))
