"""Run the SMS sandbox from a shell until Ctrl-C.

    python -m highland.messaging.sandbox --port 8766 --account highland-demo --secret s

The secret may come from HIGHLAND_SMS_SANDBOX_SECRET instead of --secret, which keeps it
out of the process list.
"""

from __future__ import annotations

import sys

from highland.core.sandboxes import parse_command_line, serve_until_interrupted
from highland.messaging.sandbox.server import SmsSandbox


def main(argv: list[str] | None = None) -> int:
    args = parse_command_line(
        argv,
        prog="python -m highland.messaging.sandbox",
        description="SMS gateway sandbox.",
        port=8766,
        party="account",
        party_default="highland-demo",
        party_help="default highland-demo",
        env_var="HIGHLAND_SMS_SANDBOX_SECRET",
        reaches="report to",
    )
    return serve_until_interrupted(
        lambda: SmsSandbox(
            args.host, args.port, {args.account: args.secret}, allow_external=args.allow_external
        ).start(),
        name="sms sandbox",
        banner=lambda url: f"SMS sandbox at {url} for account {args.account}; inbox at {url}/",
    )


if __name__ == "__main__":
    sys.exit(main())
