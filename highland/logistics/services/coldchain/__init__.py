"""Cold-chain actions: sensors and rules (`sensors`), readings stored once (`readings`,
`intake`), excursions and silent sensors opened, closed and acknowledged (`alerts`)."""

from highland.logistics.services.coldchain.alerts import (
    acknowledge_alert,
    alert_silent_sensors,
    evaluate_readings,
)
from highland.logistics.services.coldchain.intake import (
    UploadedSensor,
    ingest_mqtt_messages,
    upload_readings,
)
from highland.logistics.services.coldchain.sensors import (
    change_sensor,
    move_sensor,
    register_sensor,
    retire_sensor,
    set_excursion_rule,
)

__all__ = [
    "UploadedSensor",
    "acknowledge_alert",
    "alert_silent_sensors",
    "change_sensor",
    "evaluate_readings",
    "ingest_mqtt_messages",
    "move_sensor",
    "register_sensor",
    "retire_sensor",
    "set_excursion_rule",
    "upload_readings",
]
