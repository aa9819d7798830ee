#!/usr/bin/env python3
"""Serve the portal with Werkzeug for development, logging paths without query strings."""

from __future__ import annotations

import sys

from werkzeug.serving import WSGIRequestHandler, run_simple

from portal import create_app


class PathOnlyRequestHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        self.log("info", '"%s %s" %s', self.command, path, code)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(host, port, create_app(), request_handler=PathOnlyRequestHandler, threaded=True)


if __name__ == "__main__":
    main()
