"""Which outside services this test run can reach, and what to do when one is missing.

Outside CI a missing service skips the tests that need it, with the reason. Under CI=true
nothing may be skipped for lack of a service: the test fails instead.
"""

import os
import shutil
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def redis_available() -> bool:
    return port_open("127.0.0.1", 6379)


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)


def require(available: bool, reason: str) -> None:
    """Skip (outside CI) or fail (under CI) when a service is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} — required under CI=true, so this is a failure, not a skip")
    pytest.skip(reason)
