"""The gateway sandbox's wire protocol: signatures and reading parameters.

Standard library only, like the rest of the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Mapping
from datetime import date

from highland.core.sandboxes import ApiError, json_object

_REFERENCE = re.compile(r"[A-Za-z0-9_\-]{1,64}")


# The gateway keeps its own signature code rather than importing the client adapter's: a real
# gateway is an independent implementation, and tests then catch a client that drifts.
def canonical_string(params: Mapping[str, object]) -> str:
    pairs = []
    for key in sorted(params):
        value = params[key]
        if key == "sign" or value is None or value == "":
            continue
        pairs.append(f"{key}={value}")
    return "&".join(pairs)


def signature(params: Mapping[str, object], secret: str) -> str:
    digest = hmac.new(secret.encode(), canonical_string(params).encode(), hashlib.sha256)
    return digest.hexdigest()


def json_params(body: bytes) -> dict[str, object]:
    data = json_object(body)
    # Values are signed as written with str(), so only strings and integers are allowed.
    for key, value in data.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise ApiError(400, "invalid_params", f"{key} must be a string or an integer")
    return data


def query_params(query: str) -> dict[str, object]:
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    params: dict[str, object] = {}
    for key, value in pairs:
        if key in params:
            raise ApiError(400, "invalid_params", f"{key} is given twice")
        params[key] = value
    return params


def text(params: Mapping[str, object], key: str, *, max_length: int) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_params", f"{key} is required")
    if len(value) > max_length:
        raise ApiError(400, "invalid_params", f"{key} is longer than {max_length} characters")
    return value


def reference(params: Mapping[str, object], key: str) -> str:
    value = text(params, key, max_length=64)
    if not _REFERENCE.fullmatch(value):
        raise ApiError(400, "invalid_params", f"{key} must be 1-64 of A-Z, a-z, 0-9, _ and -")
    return value


def positive_amount(params: Mapping[str, object], key: str) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ApiError(400, "invalid_params", f"{key} must be an integer number of fen above 0")
    return value


def iso_date(params: Mapping[str, object], key: str) -> date:
    value = text(params, key, max_length=10)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "invalid_params", f"{key} must be a date, YYYY-MM-DD") from None


def http_url(params: Mapping[str, object], key: str) -> str:
    value = text(params, key, max_length=1024)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ApiError(400, "invalid_params", f"{key} must be an http(s) URL")
    return value
