#!/usr/bin/env bash
# Load test (issue 10): gunicorn, 2 workers, production settings, on 127.0.0.1 only; locust, 50 users, 60 s.
# Bounded: locust stops itself after --run-time, `timeout` stops it regardless, gunicorn is stopped by its pid.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/casebook_load bench/load/run.sh
#   (a copy of the benchmark database: setup_users.py writes to it). Knobs, with their defaults:
#   SPAWN_RATE=5 (people signing in per second), LOAD_WAIT=3,10 (think time, s), GUNICORN_ARGS=.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?set DATABASE_URL to the benchmark database (seed_demo + seed_bulk first)}"
PORT=${PORT:-8010}
export DJANGO_SETTINGS_MODULE=config.settings.production DEBUG=false SECURE_SSL_REDIRECT=false \
       ALLOWED_HOSTS=127.0.0.1 SECRET_KEY=${SECRET_KEY:-load-test-$(date +%s)-not-for-production}
.venv/bin/python bench/load/setup_users.py
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn config.wsgi --workers 2 ${GUNICORN_ARGS:-} --bind 127.0.0.1:$PORT --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
sleep 3
mkdir -p bench/results
timeout 120 .venv/bin/locust -f bench/load/locustfile.py --headless --users 50 --spawn-rate "${SPAWN_RATE:-5}" \
    --run-time 60s --stop-timeout 5 --host "http://127.0.0.1:$PORT" --csv bench/results/load --only-summary
