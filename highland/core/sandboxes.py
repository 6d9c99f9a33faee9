"""Plumbing shared by the development sandboxes: the payment gateway's and the SMS gateway's.

Each sandbox is a real HTTP peer on loopback that imitates a Chinese gateway: a threaded
standard-library server answering JSON, and signed callbacks (payment notifications,
delivery reports) POSTed back from background threads and retried until they are taken.
What both do alike lives here; each protocol (routes, signatures, error codes, payloads)
stays in its own sandbox. Standard library only, and no app is imported: the apps that
own the sandboxes depend on core, not the other way round.
"""

from __future__ import annotations

import abc
import argparse
import html
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any, Self

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_BODY_BYTES = 64 * 1024
# The gateways the sandboxes imitate stamp their times in China Standard Time.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def china_now() -> str:
    return datetime.now(CHINA_STANDARD_TIME).isoformat(timespec="seconds")


class ApiError(Exception):
    """A refusal the sandbox answers as JSON {code, message}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    location: str | None = None


def json_response(status: int, data: Mapping[str, object]) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode())


def error_response(error: ApiError) -> Response:
    return json_response(error.status, {"code": error.code, "message": error.message})


def html_page(status: int, title: str, content: str) -> Response:
    """A bare page around `content`, which the caller has escaped already."""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{content}</body></html>"
    )
    return Response(status, document.encode(), content_type="text/html; charset=utf-8")


def json_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object, else a 400 `invalid_json`."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(400, "invalid_json", f"the body is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body is not a JSON object")
    return data


class LocalHttpSandbox(abc.ABC):
    """An HTTP server in a background thread, plus the threads sending its callbacks.

    A subclass answers requests in `handle` and sends each callback from
    `in_background`, with `retry` and `post_json`. Its state lives in memory behind
    `_lock`, which also guards the set of callback threads.
    """

    server_version = "HighlandSandbox/1"
    # Subclasses log through their own module's logger, so the lines say which sandbox.
    logger = logger

    def __init__(
        self,
        host: str,
        port: int,
        *,
        retry_delays: Sequence[float],
        callback_timeout: float,
        allow_external: bool,
    ) -> None:
        # A sandbox accepts any card and knows every secret it is given: it must not be
        # reachable from other machines by accident.
        if not allow_external and host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"the sandbox listens on loopback only, not on {host!r}; "
                "pass allow_external=True (--allow-external from a shell) to listen elsewhere"
            )
        if any(delay < 0 for delay in retry_delays):
            raise ValueError("retry delays must not be negative")
        self.host = host
        self.port = port
        self.retry_delays = tuple(retry_delays)
        self.callback_timeout = callback_timeout
        self.allow_external = allow_external
        self._lock = threading.Lock()
        self._callback_threads: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._httpd: _HttpServer | None = None
        self._serve_thread: threading.Thread | None = None
        # Callbacks go to loopback or, if allowed, wherever the client said; never via a
        # proxy from the environment and never after a redirect.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _RefuseRedirects()
        )

    # -- what a subclass answers ------------------------------------------------------------

    @abc.abstractmethod
    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """The sandbox's answer to one request: each sandbox speaks its own protocol."""

    def refuse_body(self, length: int) -> Response:
        """The answer to a Content-Length that is not a number or is over MAX_BODY_BYTES."""
        if length < 0:
            return json_response(400, {"code": "invalid_body", "message": "bad Content-Length"})
        return json_response(413, {"code": "body_too_large", "message": "over 64 KiB"})

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind (port 0 picks a free one) and serve in a background thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("the sandbox is already running")
        server_class = _HttpServer6 if ":" in self.host else _HttpServer
        httpd = server_class((self.host, self.port), _Handler)
        httpd.sandbox = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._stopping.clear()
        self._serve_thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and retrying; waits (bounded) for threads in flight."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=5)
            self._serve_thread = None
        # A callback in flight ends within its timeout; the retries were cut by _stopping.
        self.wait_for_callbacks(timeout=self.callback_timeout + 1)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sandbox is not running: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- callbacks --------------------------------------------------------------------------

    def wait_for_callbacks(self, timeout: float) -> bool:
        """Wait until no callback is being sent or retried; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._callback_threads)
            if not threads:
                return True
            for thread in threads:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                thread.join(timeout=remaining)

    def in_background(self, work: Callable[[], None], *, name: str) -> None:
        """Run `work` in a daemon thread that `wait_for_callbacks` and `stop` wait for."""

        def run() -> None:
            try:
                work()
            finally:
                with self._lock:
                    self._callback_threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._lock:
            self._callback_threads.add(thread)
        thread.start()

    def retry(self, attempt: Callable[[int], bool], *, delay: float = 0) -> bool | None:
        """Call attempt(1), attempt(2), ... until one returns True, waiting `delay` first
        and then each of `retry_delays` in turn.

        True once an attempt succeeded, False when all failed, None when the sandbox was
        stopped first (the callback then stays pending).
        """
        if delay and self._stopping.wait(delay):
            return None
        for number in range(1, len(self.retry_delays) + 2):
            if number > 1 and self._stopping.wait(self.retry_delays[number - 2]):
                return None
            if attempt(number):
                return True
        return False

    def post_json(
        self, url: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> tuple[int | None, bytes, str]:
        """POST a JSON body: (status, up to 1 KiB of the answer, "") or (None, b"", error)."""
        request = urllib.request.Request(  # noqa: S310  (http(s) checked when the client set the URL)
            url,
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.callback_timeout) as response:
                return response.status, response.read(1024), ""
        except urllib.error.HTTPError as error:
            answer = error.read(1024)
            error.close()
            return error.code, answer, ""
        except (urllib.error.URLError, OSError) as error:
            return None, b"", str(error)


# -- running from a shell -----------------------------------------------------------------


def parse_command_line(
    argv: list[str] | None,
    *,
    prog: str,
    description: str,
    port: int,
    party: str,
    party_default: str,
    party_help: str,
    env_var: str,
    reaches: str,
    more_options: Callable[[argparse.ArgumentParser], object] | None = None,
) -> argparse.Namespace:
    """The options every sandbox takes: --host, --port, --<party> (whose secret it is),
    --secret (or the environment variable `env_var`, which keeps it out of the process
    list), then `more_options`, then --allow-external (to listen on and `reaches` other
    hosts)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    parser.add_argument("--port", type=int, default=port, help=f"default {port}; 0 picks one")
    parser.add_argument(f"--{party}", default=party_default, help=party_help)
    parser.add_argument(
        "--secret",
        default=os.environ.get(env_var),
        help=f"{party} secret (or set {env_var})",
    )
    if more_options is not None:
        more_options(parser)
    parser.add_argument(
        "--allow-external",
        action="store_true",
        help=f"listen on and {reaches} hosts other than loopback (off by default)",
    )
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error(f"give --secret or set {env_var}")
    return args


def serve_until_interrupted(
    start: Callable[[], LocalHttpSandbox], *, name: str, banner: Callable[[str], str]
) -> int:
    """Start a sandbox, print `banner(url)` and serve until SIGINT or SIGTERM; the exit code.

    `start` builds and starts the sandbox; a bad host or a port in use is reported on
    stderr under `name` and exits 1.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        sandbox = start()
    except (ValueError, OSError) as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 1
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(banner(sandbox.url))
    sys.stdout.flush()
    stopped.wait()  # the signal handler sets it; the wait is interruptible
    sandbox.stop()
    return 0


# -- HTTP plumbing ------------------------------------------------------------------------


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: LocalHttpSandbox


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer

    def version_string(self) -> str:
        # The Server header names the sandbox, as each one's server_version says.
        return f"{self.server.sandbox.server_version} {self.sys_version}"

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        sandbox = self.server.sandbox
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            response = sandbox.refuse_body(length)
            # The body was not read, so the connection cannot carry another request.
            self.close_connection = True
        else:
            body = self.rfile.read(length) if length > 0 else b""
            headers = dict(self.headers.items())
            try:
                response = sandbox.handle(method, self.path, headers, body)
            except Exception:
                sandbox.logger.exception("sandbox failed on %s %s", method, self.path)
                response = json_response(500, {"code": "internal_error", "message": "see log"})
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if response.location is not None:
            self.send_header("Location", response.location)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.sandbox.logger.info("%s %s", self.address_string(), format % args)
