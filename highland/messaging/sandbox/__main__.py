"""Run the SMS sandbox from a shell until Ctrl-C.

    python -m highland.messaging.sandbox --port 8766 --account highland-demo --secret s

The secret may come from HIGHLAND_SMS_SANDBOX_SECRET instead of --secret, which keeps it
out of the process list.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from highland.messaging.sandbox.server import SmsSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m highland.messaging.sandbox", description="SMS gateway sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    parser.add_argument("--port", type=int, default=8766, help="default 8766; 0 picks one")
    parser.add_argument("--account", default="highland-demo", help="default highland-demo")
    parser.add_argument(
        "--secret",
        default=os.environ.get("HIGHLAND_SMS_SANDBOX_SECRET"),
        help="account secret (or set HIGHLAND_SMS_SANDBOX_SECRET)",
    )
    parser.add_argument(
        "--allow-external",
        action="store_true",
        help="listen on and report to hosts other than loopback (off by default)",
    )
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("give --secret or set HIGHLAND_SMS_SANDBOX_SECRET")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        sandbox = SmsSandbox(
            args.host, args.port, {args.account: args.secret}, allow_external=args.allow_external
        ).start()
    except (ValueError, OSError) as error:
        print(f"sms sandbox: {error}", file=sys.stderr)
        return 1
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"SMS sandbox at {sandbox.url} for account {args.account}; inbox at {sandbox.url}/")
    sys.stdout.flush()
    stopped.wait()
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
