"""For tests and the benchmark: a Mosquitto of their own on a free port (persistent, so a
restart keeps sessions and queued messages), and a publisher that remembers which of its
QoS 1 messages the broker accepted."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def mosquitto_installed() -> bool:
    return os.path.exists(MOSQUITTO)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mosquitto:
    """`mosquitto -c <temp config>` on 127.0.0.1:`port`, persistence in a temp folder.

    `stop()` sends SIGTERM: Mosquitto writes its database on the way out, so a `start()`
    afterwards on the same folder has the sessions and queued messages back. (After a
    SIGKILL it would have only what its last autosave wrote.)
    """

    def __init__(self, port: int | None = None, *, max_queued_messages: int = 0) -> None:
        self.port = port or free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="highland-mosquitto-"))
        # Mosquitto started as root drops to its own user: it must be able to write here.
        self.folder.chmod(0o777)
        self.config = self.folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.folder}/\n"
            # 0: no limit on messages queued for a subscriber that is away or slow.
            f"max_queued_messages {max_queued_messages}\n"
            "log_dest stderr\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (a fixed binary and our own config)
            [MOSQUITTO, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.folder / "mosquitto.log", "ab"),  # noqa: SIM115 (closed with the process)
        )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not start: {self.log()[-500:]}")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class Publisher:
    """A device-like publisher: QoS 1, its own persistent session, reconnecting by itself;
    `accepted()` are the payloads the broker acknowledged (PUBACK)."""

    def __init__(self, port: int, *, client_id: str, host: str = "127.0.0.1") -> None:
        self.sent: list[tuple[mqtt.MQTTMessageInfo, bytes]] = []
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        self.client.max_inflight_messages_set(100)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(1, 2)
        self.client.connect_async(host, port)
        self.client.loop_start()

    def publish(self, topic: str, payload: Any) -> mqtt.MQTTMessageInfo:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self.client.publish(topic, body, qos=1)
        if info.rc == mqtt.MQTT_ERR_NO_CONN:
            # paho keeps a QoS 1 message published while disconnected and sends it once
            # reconnected; only its info still says "no connection".
            info.rc = mqtt.MQTT_ERR_SUCCESS
        self.sent.append((info, body))
        return info

    def accepted(self) -> list[bytes]:
        return [body for info, body in self.sent if info.is_published()]

    def wait_all_accepted(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for info, _body in self.sent:
            while not info.is_published():
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)
        return True

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def forget_session(port: int, client_id: str, host: str = "127.0.0.1") -> None:
    """End a persistent session on the broker (a clean connect with the same id)."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    # A broker that is not running keeps no session: there is nothing to forget then.
    with contextlib.suppress(OSError):
        client.connect(host, port, clean_start=True)
        client.loop_start()
        time.sleep(0.2)
        client.disconnect()
        client.loop_stop()
