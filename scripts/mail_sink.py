#!/usr/bin/env python3
"""A local mail sink for development: accepts mail on 127.0.0.1:8025 and prints each message
(headers and the plain-text part) so the whole referral journey can be seen on one machine.
It only listens on loopback; it is not a mail server."""

from __future__ import annotations

import argparse
import email
import email.policy
import signal
import threading

from aiosmtpd.controller import Controller


class PrintingHandler:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's API)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        print("=" * 72, flush=False)
        print(f"Demo mail received for {', '.join(envelope.rcpt_tos)}")
        for header in ("From", "To", "Subject", "Message-ID", "Date"):
            print(f"{header}: {message[header]}")
        print("-" * 72)
        print(body.get_content() if body is not None else "(no plain-text part)")
        print("=" * 72, flush=True)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    controller = Controller(PrintingHandler(), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"Mail sink listening on 127.0.0.1:{args.port}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
