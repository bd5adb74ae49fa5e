import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_rejects_a_typo_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "ture")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env.env_bool("DEBUG")


def test_env_int_rejects_words_naming_the_variable(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        env.env_int("EMAIL_PORT", 25)


def test_database_url_defaults_to_sqlite_and_reads_postgres(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert env.env_database("DATABASE_URL", "sqlite:////tmp/x.sqlite3")["ENGINE"] == "django.db.backends.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook")
    config = env.env_database("DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "casebook"


def test_database_url_with_an_unknown_scheme_names_the_variable(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must start with"):
        env.env_database("DATABASE_URL", "sqlite:///x")


def test_redis_url_must_be_a_redis_url(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must start with redis://"):
        env.env_redis_url("REDIS_URL")


def _manage(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_a_bad_setting_stops_start_up_with_the_variable_named():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret-key-for-the-check-0123456789-abcdefghijkl",
        CASEBOOK_INTEGRITY_KEY="another-long-random-secret-for-the-timeline-chains-0123456789",
        ALLOWED_HOSTS="casebook.school.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("key", ["", "dev-only-integrity-key", "short"])
def test_production_settings_refuse_to_start_without_an_integrity_key(key):
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", CASEBOOK_INTEGRITY_KEY=key,
                     SECRET_KEY="a-long-random-production-secret-key-for-the-check-0123456789-abcdefghijkl")
    assert result.returncode != 0
    assert "CASEBOOK_INTEGRITY_KEY must be" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_private_files_have_no_public_url(client, office, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "secret.txt").write_text("confidential")
    client.force_login(office)
    assert client.get(f"{settings.MEDIA_URL}secret.txt").status_code == 404
