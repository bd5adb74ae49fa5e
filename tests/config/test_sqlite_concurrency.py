"""SQLite, the embedded default, in WAL mode with a busy timeout: two people saving at once both save."""

import threading
import time

import pytest
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from config import env


@pytest.fixture
def database_file(tmp_path, django_db_blocker):
    """connect() → the alias of a new connection, in the calling thread, to a file database configured as
    the embedded default is (config.env), outside the test database."""
    path = tmp_path / "casebook.sqlite3"
    made: list[DatabaseWrapper] = []

    def connect() -> str:
        settings = env.env_database("CASEBOOK_EMBEDDED_TEST_DATABASE", f"sqlite:///{path}")
        settings.setdefault("OPTIONS", {})
        settings.update({"NAME": str(path), "TIME_ZONE": None, "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False,
                         "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "TEST": {}})
        alias = f"embedded-{len(made)}"
        wrapper = DatabaseWrapper(settings, alias=alias)
        wrapper.inc_thread_sharing()  # closed by the main thread at the end
        connections[alias] = wrapper  # connections are per thread: registered in the caller's
        made.append(wrapper)
        return alias

    with django_db_blocker.unblock():
        yield connect
        for wrapper in made:
            wrapper.close()


def test_the_embedded_database_runs_in_wal_mode_with_a_busy_timeout(database_file):
    with connections[database_file()].cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_two_saves_at_once_both_succeed(database_file):
    setup = database_file()
    with connections[setup].cursor() as cursor:
        cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
    errors: list[Exception] = []
    first_is_saving = threading.Event()

    def save(text: str, hold: float) -> None:
        alias = database_file()
        try:
            # Read first, then write, as every form save does (a lookup, then an insert), in one transaction.
            with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM note")
                cursor.execute("INSERT INTO note (text) VALUES (%s)", [text])
                first_is_saving.set()
                time.sleep(hold)
        except Exception as error:  # what the second person would have seen as a server error
            errors.append(error)

    slow = threading.Thread(target=save, args=("first", 1.0))
    slow.start()
    assert first_is_saving.wait(5)
    save("second", 0)
    slow.join()
    assert errors == []
    with connections[setup].cursor() as cursor:
        assert sorted(row[0] for row in cursor.execute("SELECT text FROM note").fetchall()) == ["first", "second"]
