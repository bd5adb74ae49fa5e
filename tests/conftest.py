"""The standing cast, and fixtures for the outside services (PostgreSQL, Redis, Chromium)."""

import datetime
import os
import time
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from incidents.access.twofactor import needs_two_factor
from incidents.cases import services as case_services
from incidents.roles import Role
from tests import factories
from tests.services import CHROMIUM, TEST_REDIS_URL, chromium_available, redis_available, require

# Playwright's sync API runs an event loop in the test thread; Django's ORM is used from
# the same thread by fixtures, which is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _seals_apart(settings, tmp_path):
    """Each test keeps its own seals: verify_integrity checks against the newest one it finds."""
    settings.CASEBOOK_SEAL_DIR = tmp_path / "seals"


@pytest.fixture(autouse=True)
def _cache_apart():
    """Each test starts with an empty cache: the scheduled jobs' run-once claims and rate limits live there."""
    cache.clear()


@pytest.fixture
def school(db):
    return factories.SchoolFactory()


CAST_NAMES = {
    "office": ("Olivia", "Okafor"), "lead": ("Liam", "Lewis"), "head": ("Helen", "Hart"), "dsl": ("Daniel", "Shah"),
    "governor": ("Grace", "Gordon"), "admin": ("Aisha", "Adams"), "outsider": ("Oscar", "Outis"),
    "chair": ("Charles", "Chambers"), "panel": ("Priya", "Patel"),
}


def _member(username: str, role: Role | None):
    first, last = CAST_NAMES[username]
    return factories.UserFactory(username=username, role=role, first_name=first, last_name=last)


@pytest.fixture
def office(db):
    return _member("office", Role.OFFICE)


@pytest.fixture
def lead(db):
    return _member("lead", Role.LEAD)


@pytest.fixture
def head(db):
    return _member("head", Role.HEAD)


@pytest.fixture
def dsl(db):
    return _member("dsl", Role.DSL)


@pytest.fixture
def governor(db):
    return _member("governor", Role.GOVERNOR)


@pytest.fixture
def chair(db):
    """The chair of governors: a governor who reviews bans with the Head Teacher."""
    user = _member("chair", Role.GOVERNOR)
    user.is_chair_of_governors = True
    user.save()
    return user


@pytest.fixture
def panel_member(db):
    """A second governor, put on a complaint's panel by the tests that need one."""
    return _member("panel", Role.GOVERNOR)


@pytest.fixture
def administrator(db):
    user = _member("admin", Role.ADMIN)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def superuser(db):
    """The technical superuser: the only one Django's admin lets in (config.admin_site)."""
    user = factories.UserFactory(username="root", role=Role.ADMIN, first_name="Root", last_name="User")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def outsider(db):
    """Signed in, but holds no role."""
    return _member("outsider", None)


@pytest.fixture
def cast(office, lead, head, dsl, governor, administrator, outsider):
    return {
        "office": office, "lead": lead, "head": head, "dsl": dsl,
        "governor": governor, "admin": administrator, "outsider": outsider,
    }


class SignedInClient(Client):
    """A test client whose force_login also passes two-factor and a fresh confirmation, as a
    person who has just signed in fully would. Tests of those steps use `plain_client`."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from incidents.access.twofactor import CONFIRMED_AT

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None and needs_two_factor(user):
            device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
        session = self.session
        if device is not None:
            session["otp_device_id"] = device.persistent_id
        session[CONFIRMED_AT] = time.time()
        session.save()


@pytest.fixture
def client():
    return SignedInClient()


@pytest.fixture
def plain_client():
    return Client()


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def demo_allowed(settings):
    """seed_demo runs only with DEBUG on, as on a development machine; the test settings have it off."""
    settings.DEBUG = True


# --- a case and its people ----------------------------------------------------------------------

@pytest.fixture
def parent(school):
    return factories.ParentFactory(school=school, first_name="Karl", last_name="Dunn")


@pytest.fixture
def log_concern(school, office):
    """log_concern(**overrides) → a Concern logged by office staff, opening a new case."""

    def log(**overrides):
        values = {
            "school": school, "by": office, "received_at": timezone.now() - datetime.timedelta(hours=1),
            "channel": "whatsapp", "description": "Posted that the deputy head is useless.",
            "raised_by_name": "Ruth Adeyemi",
        }
        values.update(overrides)
        if "parents" not in values:
            values["parents"] = [factories.ParentFactory(school=school)]
        return case_services.concern_log(**values)

    return log


@pytest.fixture
def case(log_concern, parent, lead):
    case = log_concern(parents=[parent]).case
    case.lead = lead
    case.save()
    return case


# --- outside services -------------------------------------------------------------------------

@pytest.fixture
def redis_url():
    require(redis_available(), "no Redis on 127.0.0.1:6379")
    return TEST_REDIS_URL


@pytest.fixture
def needs_postgresql():
    """For tests where another thread or process uses the test database: SQLite's in-memory test
    database cannot be shared without locking. List it before the worker fixtures."""
    from django.db import connection

    require(connection.vendor == "postgresql",
            "needs PostgreSQL: another thread or process shares the test database, which SQLite's in-memory "
            "test database cannot do without locking")


@pytest.fixture
def celery_worker_on_redis(redis_url, transactional_db):
    """A real Celery worker consuming from the real Redis, in a thread of this process."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager", "broker_transport_options",
            "result_backend_transport_options")
    saved = {key: app.conf[key] for key in keys}
    # A key prefix of its own, so no test, and no other run sharing this Redis, takes another's tasks.
    prefix = {"global_keyprefix": f"casebook-test-{uuid.uuid4().hex[:12]}-"}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False,
                    broker_transport_options={**saved["broker_transport_options"], **prefix},
                    result_backend_transport_options=prefix)
    _forget_connections(app)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        _forget_connections(app)


@pytest.fixture
def celery_broker_down(transactional_db):
    """Tasks go to a Redis that is not there (nothing listens on port 1), as when Redis is stopped."""
    from config.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url="redis://127.0.0.1:1/0", result_backend="redis://127.0.0.1:1/0",
                    task_always_eager=False)
    _forget_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def _forget_connections(app) -> None:
    """Celery builds its broker pools and result backend lazily from the config and caches them
    (the backend per thread); forget them so a changed config takes effect."""
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(chromium_available(), f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
    }
