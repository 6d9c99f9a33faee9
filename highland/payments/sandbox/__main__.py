"""Run the sandbox from a shell until Ctrl-C.

    python -m highland.payments.sandbox --host 127.0.0.1 --port 8765 --merchant demo --secret s

The secret may come from HIGHLAND_SANDBOX_SECRET instead of --secret, which keeps it out of
the process list.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from highland.payments.sandbox.server import DEFAULT_RETRY_DELAYS, SandboxGateway


def parse_delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of seconds: {text!r}") from error
    if any(delay < 0 for delay in delays):
        raise argparse.ArgumentTypeError("delays must not be negative")
    return delays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m highland.payments.sandbox", description="Payment gateway sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="default 8765; 0 picks one")
    parser.add_argument("--merchant", default="demo", help="merchant id, default demo")
    parser.add_argument(
        "--secret",
        default=os.environ.get("HIGHLAND_SANDBOX_SECRET"),
        help="merchant secret (or set HIGHLAND_SANDBOX_SECRET)",
    )
    parser.add_argument(
        "--retry-delays",
        type=parse_delays,
        default=DEFAULT_RETRY_DELAYS,
        help="seconds between notification attempts, comma-separated (default %(default)s)",
    )
    parser.add_argument(
        "--allow-external",
        action="store_true",
        help="listen on and notify hosts other than loopback (off by default)",
    )
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("give --secret or set HIGHLAND_SANDBOX_SECRET")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    try:
        gateway = SandboxGateway(
            args.host,
            args.port,
            {args.merchant: args.secret},
            retry_delays=args.retry_delays,
            allow_external=args.allow_external,
        ).start()
    except (ValueError, OSError) as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 1
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Gateway sandbox at {gateway.url} for merchant {args.merchant} (Ctrl-C stops)")
    sys.stdout.flush()
    stopped.wait()  # the signal handler sets it; the wait is interruptible
    gateway.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
