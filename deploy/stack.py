#!/usr/bin/env python3
"""`make stack`: Casebook's production stack on this machine, in one command, to see it before installing it.

PostgreSQL (database casebook_stack, created if missing), Redis (started here if none answers), then
migrate, collectstatic and the demo data, then gunicorn, a Celery worker and Celery beat, all with the
production settings. Watches them: if one stops, all stop. Ctrl-C (or SIGTERM) stops them all.

The one difference from a real installation: no TLS proxy in front, so the https redirect is off and the
site is at http://127.0.0.1:PORT/ (browsers accept the secure cookies from 127.0.0.1 and localhost).
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    arguments = _arguments()
    state = ROOT / "var" / "stack"
    state.mkdir(parents=True, exist_ok=True)
    children: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        redis_url = arguments.redis_url
        if not _redis_answers(redis_url):
            children.append(("redis", _start_redis(redis_url, state)))
        _ensure_database(arguments.database_url)
        env = _environment(arguments, state, redis_url)
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"]):
            _manage(env, *command)
        if not arguments.no_demo:
            # seed_demo refuses production settings (its users share a known password); this stack is
            # for looking at, so its demo data is loaded with the development settings, same database.
            _manage({**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}, "seed_demo")
        children += [
            ("web", _start([str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi"], env)),
            ("worker", _start([str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO",
                               "--concurrency", str(arguments.concurrency), "--hostname", "casebook-stack@%h"], env)),
            ("beat", _start([str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
                             "--schedule", str(state / "celerybeat-schedule")], env)),
        ]
        _say(f"Casebook (production settings) on http://127.0.0.1:{arguments.port}/ — "
             f"health at /healthz. Ctrl-C stops it.")
        while not stopping:
            for name, child in children:
                if child.poll() is not None:
                    _say(f"{name} stopped (exit {child.returncode}); stopping the rest")
                    return 1
            time.sleep(0.5)
        return 0
    except StackError as error:
        _say(str(error))
        return 2
    finally:
        _stop_all(children)


class StackError(Exception):
    pass


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--database-url", default=os.environ.get(
        "STACK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook_stack"))
    parser.add_argument("--redis-url", default=os.environ.get("STACK_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo school and users")
    return parser.parse_args()


def _environment(arguments: argparse.Namespace, state: Path, redis_url: str) -> dict[str, str]:
    secret_file, integrity_file = state / "secret_key", state / "integrity_key"
    for path in (secret_file, integrity_file):
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secret_file.read_text().strip(),
        "CASEBOOK_INTEGRITY_KEY": os.environ.get("CASEBOOK_INTEGRITY_KEY") or integrity_file.read_text().strip(),
        "CASEBOOK_SEAL_DIR": os.environ.get("CASEBOOK_SEAL_DIR") or str(state / "seals"),
        "DATABASE_URL": arguments.database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{arguments.port}",
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT") or str(state / "private"),
        "GUNICORN_BIND": f"127.0.0.1:{arguments.port}",
        # No TLS proxy in front of this local stack (see the docstring).
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }


def _manage(env: dict[str, str], *command: str) -> None:
    _say("manage.py " + " ".join(command))
    if subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env).returncode != 0:
        raise StackError(f"manage.py {command[0]} failed; see above")


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    # A process group of its own, so that stopping it stops its children (gunicorn's and Celery's workers).
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def _stop_all(children: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, child in reversed(children):
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for name, child in reversed(children):
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{name} did not stop in time; killing it")
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _ensure_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                _say(f"Creating database {name}")
                connection.execute(f'CREATE DATABASE "{name}"')  # noqa: S608 - our own name, from the URL
    except psycopg.OperationalError as error:
        raise StackError(f"PostgreSQL is not answering at {parts.hostname}:{parts.port or 5432} ({error}). "
                         "Start it (Debian/Ubuntu: apt-get install postgresql; pg_ctlcluster 15 main start) "
                         "or give STACK_DATABASE_URL.") from None


def _redis_answers(redis_url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _start_redis(redis_url: str, state: Path) -> subprocess.Popen:
    server = shutil.which("redis-server")
    if server is None:
        raise StackError(f"Redis is not answering at {redis_url} and redis-server is not installed "
                         "(Debian/Ubuntu: apt-get install redis-server)")
    port = urlsplit(redis_url).port or 6379
    _say(f"Starting redis-server on port {port}")
    child = _start([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", str(state)], dict(os.environ))
    deadline = time.monotonic() + 15
    while not _redis_answers(redis_url):
        if time.monotonic() > deadline or child.poll() is not None:
            raise StackError("redis-server did not start")
        time.sleep(0.2)
    return child


def _say(message: str) -> None:
    print(f"[stack] {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
