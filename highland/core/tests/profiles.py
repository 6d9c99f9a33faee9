"""Run manage.py in a fresh process under the production profile: settings are read once
per process, so a profile's refusals and values are only seen from outside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]
A_SECRET_KEY = "k7Qz-9wXr!p2Lm_Vb4Nc8Hs1Jd6Fg3Ty0Ue5Ri-Wo2Ap7Sd9Kf4Lg6Zx1Cv8Bn3Mq5"


def run_in_production(
    tmp_path: Path, *args: str, **environment: str
) -> subprocess.CompletedProcess[str]:
    """`manage.py` in a fresh process with the production profile and `environment`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "PAYMENT_GATEWAY_SECRET",
            "DJANGO_SETTINGS_MODULE",
            "HIGHLAND_BENCH_ENDPOINTS",
            "DATABASE_URL",
            "SMS_BACKEND",
            "SMS_GATEWAY_URL",
            "SMS_GATEWAY_SECRET",
        }
    }
    env.update(
        HIGHLAND_PROFILE="production",
        HIGHLAND_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="shop.example.cn",
    )
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_python_in_production(tmp_path: Path, code: str, **environment: str) -> str:
    """Run `code` under the production profile with its secrets; its last printed line."""
    environment = {"SECRET_KEY": A_SECRET_KEY, "PAYMENT_GATEWAY_SECRET": "g" * 40, **environment}
    result = run_in_production(tmp_path, "shell", "-c", code, **environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def production_settings(tmp_path: Path, *names: str, **environment: str) -> dict[str, object]:
    """The values of settings `names` as the production profile (with its secrets) sets them."""
    import json

    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}))"
    )
    return json.loads(run_python_in_production(tmp_path, code, **environment))
