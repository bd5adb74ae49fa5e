"""What a server installs and runs: requirements.txt only, the production settings, JSON logs."""

import json
import os
import re
import subprocess
import sys
import textwrap
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-test-0123456789-abcdefghijkl",
    "CASEBOOK_INTEGRITY_KEY": "another-long-random-key-kept-apart-from-the-database-0123456789",
    "ALLOWED_HOSTS": "casebook.school.example",
    "REDIS_URL": "",
    "SENTRY_DSN": "",
}


def _requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>\[;]", line, maxsplit=1)[0].strip().lower().replace("_", "-"))
    return names


def _dev_only_modules() -> list[str]:
    dev_only = _requirement_names(ROOT / "requirements-dev.txt") - _requirement_names(ROOT / "requirements.txt")
    return sorted(
        module for module, distributions in packages_distributions().items()
        if any(d.lower().replace("_", "-") in dev_only for d in distributions) and module.isidentifier()
    )


def _run_production(script: str, tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess:
    """Run `script` in a fresh Python with the production settings, where importing any package that only
    requirements-dev.txt installs fails as it would on a server."""
    blocker = textwrap.dedent(f"""
        import sys
        BLOCKED = set({_dev_only_modules()!r})

        class DevOnly:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(f"{{name}} is installed only by requirements-dev.txt")
                return None

        sys.meta_path.insert(0, DevOnly())

        # Probing for an optional module (tablib asks for yaml) answers "absent", as on a server.
        import importlib.util
        _find_spec = importlib.util.find_spec

        def find_spec(name, package=None):
            if name.split(".")[0] in BLOCKED:
                return None
            return _find_spec(name, package)

        importlib.util.find_spec = find_spec
    """)
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    environment.update(PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra_env)
    return subprocess.run([sys.executable, "-c", blocker + textwrap.dedent(script)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_the_dev_only_list_covers_the_test_tools():
    modules = _dev_only_modules()
    for tool in ("pytest", "playwright", "locust", "factory", "hypothesis", "mypy"):
        assert tool in modules
    for runtime in ("django", "celery", "weasyprint", "sentry_sdk", "gunicorn"):
        assert runtime not in modules


def test_production_settings_and_the_wsgi_app_import_nothing_from_the_dev_requirements(tmp_path):
    result = _run_production("""
        from config.wsgi import application
        from django.test import Client
        from django.urls import get_resolver
        import config.celery, incidents.tasks, incidents.letters.tasks, incidents.notifications.tasks
        get_resolver().url_patterns  # every view module
        response = Client().get("/healthz", HTTP_HOST="127.0.0.1")
        print(response.status_code)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "200"


def test_the_blocker_would_catch_a_dev_only_import(tmp_path):
    result = _run_production("import factory", tmp_path)
    assert "installed only by requirements-dev.txt" in result.stderr


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    result = _run_production("""
        import django
        django.setup()
        from django.test import Client
        response = Client().get("/cases/", HTTP_HOST="intruder.example", HTTP_X_REQUEST_ID="probe-1234abcd",
                                REMOTE_ADDR="203.0.113.9")
        print(response.status_code, response["X-Request-ID"])
    """, tmp_path)
    assert result.stdout.split() == ["400", "probe-1234abcd"], result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines, result.stderr
    disallowed = [line for line in lines if line["logger"] == "django.security.DisallowedHost"]
    assert disallowed and disallowed[0]["request_id"] == "probe-1234abcd"
    assert disallowed[0]["level"] == "ERROR"
    assert set(disallowed[0]) >= {"time", "level", "logger", "request_id", "message"}
    # Every line on standard error is JSON: nothing writes plain text past the formatter.
    assert all(line.startswith("{") for line in result.stderr.splitlines() if line.strip()), result.stderr


def test_the_worker_and_beat_use_the_production_settings_unless_told_otherwise():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", "import os, config.celery; print(os.environ['DJANGO_SETTINGS_MODULE'])"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == "config.settings.production", result.stderr


def test_make_install_production_installs_requirements_txt_only():
    result = subprocess.run(["make", "-n", "install-production", "PRODUCTION_VENV=/srv/casebook/venv"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "/srv/casebook/venv/bin/python -m pip install --quiet -r requirements.txt" in result.stdout
    assert "requirements-dev" not in result.stdout


def test_requirements_txt_is_fully_pinned_and_holds_no_test_tool():
    names = _requirement_names(ROOT / "requirements.txt")
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        assert not line or re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z0-9,]+\])?==[A-Za-z0-9_.]+", line), line
    assert not names & {"pytest", "pytest-django", "playwright", "pytest-playwright", "locust", "factory-boy",
                        "hypothesis", "ruff", "mypy"}
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_the_readme_names_the_system_packages_for_debian_and_ubuntu():
    readme = (ROOT / "README.md").read_text()
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core",
                    "postgresql-client", "redis-server"):
        assert package in readme
