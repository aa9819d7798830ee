#!/usr/bin/env python3
"""`make run`: the portal on one machine — web server, delivery worker and a local mail sink.

Each part runs as its own process; Ctrl-C stops them all. The web server's request log shows
the path only, never the query string, because filters and form steps can say what a person
is looking for.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()

    env = {**os.environ, "PORTAL_ENV": os.environ.get("PORTAL_ENV", "development")}
    # Links in e-mails (the inbox, invitations) point at this server.
    env.setdefault("PORTAL_BASE_URL", f"http://{args.host}:{args.port}")
    flask = [PYTHON, "-m", "flask", "--app", "portal"]
    parts = {
        "mail sink": [PYTHON, str(ROOT / "scripts" / "mail_sink.py"), "--port", "8025"],
        "delivery worker": [*flask, "deliver"],
        "web": [PYTHON, str(ROOT / "scripts" / "serve.py"), args.host, str(args.port)],
    }
    processes = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in parts.items()}
    print(
        f"The portal is at http://{args.host}:{args.port}/ ; referral e-mail is printed here by "
        "the local mail sink. Ctrl-C stops everything. For the staff side, make an "
        "administrator: .venv/bin/flask --app portal create-admin --email you@example.org "
        '--name "Your Name"',
        flush=True,
    )

    def stop(*_):
        for process in processes.values():
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    failed = [name for name, process in processes.items() if process.returncode not in (0, -15)]
    if failed:
        print(f"stopped: {', '.join(failed)} exited with an error", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
