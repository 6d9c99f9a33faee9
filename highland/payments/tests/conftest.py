"""Gateway fixtures: the sandbox on loopback, a client for it, and a receiver for notifications."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conftest import need_server
from highland.payments.gateway import GatewayClient, signed
from highland.payments.sandbox import SandboxGateway

GATEWAY_MERCHANTS = {"demo": "sandbox-secret-demo", "other": "sandbox-secret-other"}
# Fast enough for tests, slow enough that attempts are distinct: 5 attempts in all.
GATEWAY_TEST_DELAYS = (0.05, 0.05, 0.05, 0.05)

# Loopback traffic never goes through a proxy from the environment.
_LOOPBACK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NotifyReceiver:
    """A notify_url on loopback: records bodies, answers from a script, then `success`."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self._answers: deque[tuple[int, bytes]] = deque()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._changed:
                    receiver.bodies.append(body)
                    status, answer = (
                        receiver._answers.popleft() if receiver._answers else (200, b"success")
                    )
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read the bodies, not an access log on stderr."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/payments/notify"

    def answer_with(self, *answers: tuple[int, bytes]) -> None:
        """Answer the next notifications with these (status, body); `success` after them."""
        with self._changed:
            self._answers.extend(answers)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """The bodies received, once there are at least `count` (or the timeout passed)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.bodies) >= count, timeout=timeout)
            return list(self.bodies)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def gateway_sandbox() -> Iterator[SandboxGateway]:
    """The sandbox on 127.0.0.1 with merchants `demo` and `other` and a fast retry schedule."""
    sandbox = SandboxGateway("127.0.0.1", 0, GATEWAY_MERCHANTS, retry_delays=GATEWAY_TEST_DELAYS)
    try:
        sandbox.start()
    except OSError as error:
        need_server(False, f"cannot listen on 127.0.0.1 for the gateway sandbox: {error}")
    yield sandbox
    sandbox.stop()


@pytest.fixture
def gateway_client(gateway_sandbox: SandboxGateway) -> GatewayClient:
    """A client for merchant `demo`."""
    return GatewayClient(gateway_sandbox.url, "demo", GATEWAY_MERCHANTS["demo"])


@pytest.fixture
def gateway_receiver() -> Iterator[NotifyReceiver]:
    try:
        receiver = NotifyReceiver()
    except OSError as error:
        need_server(False, f"cannot listen on 127.0.0.1 for notifications: {error}")
    yield receiver
    receiver.stop()


@pytest.fixture
def gateway_send(
    gateway_sandbox: SandboxGateway,
) -> Callable[[str, str, Mapping[str, object]], tuple[int, dict[str, Any]]]:
    """Send params as they are (JSON for POST, query for GET); returns (status, JSON body)."""

    def send(method: str, path: str, params: Mapping[str, object]) -> tuple[int, dict[str, Any]]:
        url = gateway_sandbox.url + path
        body = None
        if method == "GET":
            url += "?" + urllib.parse.urlencode({k: str(v) for k, v in params.items()})
        else:
            body = json.dumps(params).encode()
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310  (sandbox URL)
        try:
            with _LOOPBACK_OPENER.open(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    return send


def _signed_for_path(
    params: Mapping[str, object], path_params: Mapping[str, object], merchant_id: str
) -> dict[str, object]:
    envelope = signed(
        {**params, **path_params}, merchant_id=merchant_id, secret=GATEWAY_MERCHANTS[merchant_id]
    )
    for key in path_params:
        del envelope[key]
    return envelope


@pytest.fixture
def gateway_pay(
    gateway_send: Callable[[str, str, Mapping[str, object]], tuple[int, dict[str, Any]]],
) -> Callable[..., dict[str, Any]]:
    """Pay a charge through the sandbox's test API, as the payer's browser would."""

    def pay(gateway_trade_no: str, merchant_id: str = "demo") -> dict[str, Any]:
        envelope = _signed_for_path({}, {"gateway_trade_no": gateway_trade_no}, merchant_id)
        status, data = gateway_send("POST", f"/v1/test/charges/{gateway_trade_no}/pay", envelope)
        assert status == 200, data
        return data

    return pay


@pytest.fixture
def gateway_notifications(
    gateway_send: Callable[[str, str, Mapping[str, object]], tuple[int, dict[str, Any]]],
) -> Callable[..., list[dict[str, Any]]]:
    """The sandbox's record of notifications for one charge, with every delivery attempt."""

    def notifications(out_trade_no: str, merchant_id: str = "demo") -> list[dict[str, Any]]:
        envelope = _signed_for_path({"out_trade_no": out_trade_no}, {}, merchant_id)
        status, data = gateway_send("GET", "/v1/test/notifications", envelope)
        assert status == 200, data
        return data["notifications"]

    return notifications


@pytest.fixture
def cash_sale(demo):
    """A villager's order placed by the agent and paid in cash at LT-S01-V01."""
    from highland.catalog.models import Sku
    from highland.orders import services
    from highland.orders.services import CheckoutLine, DeliveryDetails

    agent, villager, point = (
        demo.user("village_agent"),
        demo.user("member"),
        demo.point("LT-S01-V01"),
    )
    sku = Sku.objects.get(code="LT-CD-20K")
    result = services.place_order(
        demo.county,
        [CheckoutLine(sku.pk, 1)],
        buyer=villager,
        actor=agent,
        delivery=DeliveryDetails(method="pickup", recipient_name="格桑", pickup_point=point),
        payment_method="cash_at_point",
    )
    services.collect_cash(result.payment, agent=agent, point=point)
    return result.payment
