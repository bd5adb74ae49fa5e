"""deploy/: the files an IT technician copies, checked against the code they describe."""

import configparser
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# A read of an environment variable: config.env's helpers, os.environ.get/[], os.getenv.
ENV_READ = re.compile(r"""(?:\benv_\w+|os\.environ\.get|os\.getenv|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
# Variables the deploy kit itself does not need to document.
# Read by the test settings or the test runner, never by a server.
NOT_SETTINGS = {"DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_XDIST_WORKER"}


def _variables_read_by_the_code() -> set[str]:
    names = set()
    for folder in ("config", "incidents", "policies"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(ENV_READ.findall(path.read_text()))
    return names - NOT_SETTINGS


def _documented() -> set[str]:
    text = (DEPLOY / ".env.example").read_text()
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_env_example_documents_every_variable_the_settings_read():
    read = _variables_read_by_the_code()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SENTRY_DSN", "GUNICORN_WORKERS"} <= read  # the scan works
    assert read - _documented() == set(), "add these to deploy/.env.example, each with a one-line comment"


def test_env_example_documents_the_backup_integrity_and_mail_variables():
    assert {"TRUSTED_PROXY_COUNT", "CASEBOOK_INTEGRITY_KEY", "CASEBOOK_SEAL_DIR", "BACKUP_PASSPHRASE", "BACKUP_DIR",
            "BACKUP_KEEP_DAILY", "BACKUP_KEEP_WEEKLY", "EMAIL_TIMEOUT"} <= _documented()


def test_every_variable_in_env_example_has_a_comment_above_it_or_a_section():
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]+=", line):
            assert lines[number - 1].startswith("#"), f"{line!r} has no comment"


def test_env_example_holds_no_real_secret():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", (DEPLOY / ".env.example").read_text(), flags=re.M))
    assert values["SECRET_KEY"] == ""
    assert "CHANGE-ME" in values["DATABASE_URL"]


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(DEPLOY / "systemd" / name)
    return unit


@pytest.mark.parametrize(("name", "program"), [
    ("casebook-web.service", "gunicorn -c config/gunicorn.conf.py config.wsgi"),
    ("casebook-worker.service", "celery -A config worker"),
    ("casebook-beat.service", "celery -A config beat"),
])
def test_systemd_units_run_the_production_programs_with_the_env_file(name, program):
    service = _unit(name)["Service"]
    assert program in service["ExecStart"]
    assert service["EnvironmentFile"] == "/etc/casebook/casebook.env"
    assert service["User"] == "casebook"
    assert service["Restart"] == "on-failure"
    # Production settings come from the env file (and are the default): no unit runs the dev settings.
    assert "settings.dev" not in (DEPLOY / "systemd" / name).read_text()
    assert (ROOT / service["WorkingDirectory"].replace("/srv/casebook/app", str(ROOT)).lstrip()).exists()


def test_the_worker_may_finish_rendering_a_letter_before_systemd_kills_it(settings):
    worker = _unit("casebook-worker.service")["Service"]
    render = settings.CELERY_TASK_ANNOTATIONS["incidents.letters.tasks.render_letter_pdf"]
    assert int(worker["TimeoutStopSec"]) >= render["time_limit"]


def test_nginx_example_passes_the_request_id_and_proxy_headers_and_allows_the_largest_upload():
    conf = (DEPLOY / "nginx.conf").read_text()
    for header in ("Host $host", "X-Forwarded-Proto $scheme", "X-Forwarded-For", "X-Request-ID $request_id"):
        assert f"proxy_set_header {header}" in conf
    from policies.models import School

    default_limit_mb = School._meta.get_field("evidence_max_mb").default
    body_limit_mb = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert body_limit_mb > default_limit_mb
    assert "location = /healthz" in conf


def test_gunicorn_config_logs_access_and_errors_to_stdout_with_the_request_id():
    from gunicorn.config import Config

    config = Config()
    namespace: dict = {}
    exec((ROOT / "config" / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own file
    for key in ("bind", "workers", "accesslog", "errorlog", "access_log_format", "timeout"):
        config.set(key, namespace[key])
    assert config.accesslog == "-" and config.errorlog == "-"
    assert "%({x-request-id}o)s" in config.access_log_format
    assert "%(q)s" not in config.access_log_format and "%(r)s" not in config.access_log_format  # no search text
