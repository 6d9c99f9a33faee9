"""Run the sandbox from a shell until Ctrl-C.

    python -m highland.payments.sandbox --host 127.0.0.1 --port 8765 --merchant demo --secret s

The secret may come from HIGHLAND_SANDBOX_SECRET instead of --secret, which keeps it out of
the process list.
"""

from __future__ import annotations

import argparse
import sys

from highland.core.sandboxes import parse_command_line, serve_until_interrupted
from highland.payments.sandbox.server import DEFAULT_RETRY_DELAYS, SandboxGateway


def parse_delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of seconds: {text!r}") from error
    if any(delay < 0 for delay in delays):
        raise argparse.ArgumentTypeError("delays must not be negative")
    return delays


def add_retry_delays(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--retry-delays",
        type=parse_delays,
        default=DEFAULT_RETRY_DELAYS,
        help="seconds between notification attempts, comma-separated (default %(default)s)",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_command_line(
        argv,
        prog="python -m highland.payments.sandbox",
        description="Payment gateway sandbox.",
        port=8765,
        party="merchant",
        party_default="demo",
        party_help="merchant id, default demo",
        env_var="HIGHLAND_SANDBOX_SECRET",
        reaches="notify",
        more_options=add_retry_delays,
    )
    return serve_until_interrupted(
        lambda: SandboxGateway(
            args.host,
            args.port,
            {args.merchant: args.secret},
            retry_delays=args.retry_delays,
            allow_external=args.allow_external,
        ).start(),
        name="sandbox",
        banner=lambda url: f"Gateway sandbox at {url} for merchant {args.merchant} (Ctrl-C stops)",
    )


if __name__ == "__main__":
    sys.exit(main())
