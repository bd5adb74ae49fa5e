"""`/healthz`: is the database reachable, the task broker, and has a worker been seen lately?

A worker proves it is alive by writing the time into Redis when it starts and then every 30 seconds
(the `worker_heartbeat` task, queued by beat), so a worker that is missing, stuck, or has no beat to
drive it shows as "missing" within two minutes. Probes from the machine itself (systemd, a monitoring
agent) may use plain http and any Host: see `LoopbackHealthProbeMiddleware`.
"""

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_KEY = "casebook:worker-heartbeat"
HEARTBEAT_MAX_AGE_SECONDS = 120
LOOPBACK_ADDRESSES = {"127.0.0.1", "::1"}


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"down: {exc.__class__.__name__}"
    return "ok"


def broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"

    try:
        _redis().ping()
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


def worker_heartbeat_record(now: float | None = None) -> None:
    """Called by the worker (at start and by the beat-driven task): "a worker was alive at this time"."""
    if settings.REDIS_URL:
        _redis().set(HEARTBEAT_KEY, repr(time.time() if now is None else now), ex=24 * 3600)


def worker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        raw = _redis().get(HEARTBEAT_KEY)
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"
    if raw is None:
        return "missing: never seen"
    age = time.time() - float(raw)
    if age > HEARTBEAT_MAX_AGE_SECONDS:
        return f"missing: last seen {int(age)} s ago"
    return "ok"


def _failing(state: str) -> bool:
    return state.startswith(("down", "missing"))


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_state(), "broker": broker_state(), "worker": worker_state()}
    down = [name for name, state in checks.items() if _failing(state)]
    body = {"status": "down" if down else "ok", "down": down, **checks}
    return JsonResponse(body, status=503 if down else 200)


class LoopbackHealthProbeMiddleware:
    """Answers `/healthz` for a probe from this machine before the Host check and the https redirect.

    A local probe (`curl http://127.0.0.1:8000/healthz`) sends Host 127.0.0.1 over plain http; it must
    not need the public name in ALLOWED_HOSTS nor get a 301 to https. Only the loopback address gets
    this: behind the proxy, outside requests arrive from the proxy with their own Host and go through
    every check. Placed first among the middleware, before SecurityMiddleware and CommonMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz" and request.method == "GET" and _from_loopback(request):
            return healthz(request)
        return self.get_response(request)


def _from_loopback(request: HttpRequest) -> bool:
    # Behind a proxy on the same machine REMOTE_ADDR is loopback too; a forwarded request is not a local probe.
    forwarded = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META
    return request.META.get("REMOTE_ADDR") in LOOPBACK_ADDRESSES and not forwarded
