import time
from unittest import mock

import pytest
import redis

from config.health import HEARTBEAT_KEY
from incidents.tasks import worker_heartbeat


@pytest.fixture
def heartbeat_redis(redis_url, settings):
    """Health checks against the test Redis, starting with no worker ever seen."""
    settings.REDIS_URL = redis_url
    client = redis.Redis.from_url(redis_url)
    client.delete(HEARTBEAT_KEY)
    yield client
    client.delete(HEARTBEAT_KEY)


@pytest.mark.django_db
def test_healthz_answers_without_sign_in_and_reports_in_process_tasks(plain_client, settings):
    settings.REDIS_URL = ""
    response = plain_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "down": [], "database": "ok", "broker": "in-process", "worker": "in-process",
    }


@pytest.mark.django_db
def test_healthz_is_503_naming_redis_when_configured_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["broker", "worker"]


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_it_is_down(client, settings):
    settings.REDIS_URL = ""
    with mock.patch("config.health.connection.cursor", side_effect=RuntimeError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert response.json()["database"].startswith("down")


def test_healthz_says_the_worker_is_missing_when_none_has_ever_run(client, heartbeat_redis, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "ok"
    assert body["worker"] == "missing: never seen"
    assert body["down"] == ["worker"]


def test_healthz_says_the_worker_is_missing_when_last_seen_over_two_minutes_ago(client, heartbeat_redis, db):
    heartbeat_redis.set(HEARTBEAT_KEY, repr(time.time() - 150))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"].startswith("missing: last seen 15")


def test_healthz_is_ok_once_a_real_worker_has_run_the_heartbeat(client, heartbeat_redis, celery_worker_on_redis):
    assert client.get("/healthz").json()["worker"] == "missing: never seen"
    worker_heartbeat.apply_async().get(timeout=30)
    # Each check has a one-second socket timeout; on a loaded CI machine one probe may time out, as a
    # real load balancer's would, so the probe is asked again for a few seconds before judging.
    deadline = time.monotonic() + 5
    response = client.get("/healthz")
    while response.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "down": [], "database": "ok", "broker": "ok", "worker": "ok"}


def test_beat_queues_the_heartbeat_well_within_the_two_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == worker_heartbeat.name
    assert entry["schedule"] <= 60


# --- probes from this machine, under the production rules ----------------------------------------------

@pytest.fixture
def production_rules(settings):
    settings.ALLOWED_HOSTS = ["casebook.school.example"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.REDIS_URL = ""


@pytest.mark.django_db
def test_a_plain_http_probe_from_this_machine_with_host_127_0_0_1_gets_the_health(plain_client, production_rules):
    response = plain_client.get("/healthz", HTTP_HOST="127.0.0.1:8000", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    response = plain_client.get("/healthz", HTTP_HOST="[::1]:8000", REMOTE_ADDR="::1")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_loopback_exemption_covers_only_healthz(plain_client, production_rules):
    assert plain_client.get("/accounts/login/", HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1").status_code == 400
    assert plain_client.get("/healthz/", HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1").status_code == 400


@pytest.mark.django_db
def test_a_probe_from_elsewhere_with_a_wrong_host_is_refused(plain_client, production_rules):
    assert plain_client.get("/healthz", HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.9").status_code == 400


@pytest.mark.django_db
def test_a_request_forwarded_by_the_proxy_on_this_machine_is_not_a_local_probe(plain_client, production_rules):
    response = plain_client.get("/healthz", HTTP_HOST="evil.example", REMOTE_ADDR="127.0.0.1",
                                HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 400


@pytest.mark.django_db
def test_healthz_over_plain_http_with_the_right_host_is_not_redirected(plain_client, production_rules):
    response = plain_client.get("/healthz", HTTP_HOST="casebook.school.example", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    # …while every other page still is.
    response = plain_client.get("/accounts/login/", HTTP_HOST="casebook.school.example", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
