#!/usr/bin/env bash
# Load test (issue 10): gunicorn, 2 workers, production settings, on 127.0.0.1 only; locust, 50 users, 60 s.
# Bounded: locust stops itself after --run-time, `timeout` stops it regardless, gunicorn is stopped by its pid.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/casebook_load bench/load/run.sh
#   (a copy of the benchmark database: setup_users.py writes to it). Knobs, with their defaults:
#   SPAWN_RATE=2 (people arriving and signing in per second), LOAD_WAIT=3,10 (think time, s), GUNICORN_ARGS=,
#   LOAD_SCHOOLS=1 (the schools the 20 accounts work in: 1 = the demo school; N = the N with the most
#   cases, accounts spread round-robin, each asking only for its own school's cases and parents).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?set DATABASE_URL to the benchmark database (seed_demo + seed_bulk first)}"
PORT=${PORT:-8010}
# As in production: tasks (notification e-mails) go through Redis to a Celery worker, not run in the web
# process. REDIS_URL defaults to a database number of its own so a load test never meets other work.
# Production refuses to start without an integrity key: a throw-away one here (the timeline events the
# run writes are chained with it, so verify_integrity on this copy afterwards would fail).
export DJANGO_SETTINGS_MODULE=config.settings.production DEBUG=false SECURE_SSL_REDIRECT=false \
       ALLOWED_HOSTS=127.0.0.1 SECRET_KEY=${SECRET_KEY:-load-test-$(date +%s)-not-for-production} \
       CASEBOOK_INTEGRITY_KEY=${CASEBOOK_INTEGRITY_KEY:-load-test-integrity-key-$(date +%s)-not-for-production} \
       REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/14} EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
LOAD_SCHOOLS=${LOAD_SCHOOLS:-1} .venv/bin/python bench/load/setup_users.py
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn config.wsgi --workers 2 ${GUNICORN_ARGS:-} --bind 127.0.0.1:$PORT --log-level warning &
GUNICORN=$!
.venv/bin/celery -A config worker --concurrency 1 --loglevel WARNING &
WORKER=$!
trap 'kill $GUNICORN $WORKER 2>/dev/null || true' EXIT
sleep 3
mkdir -p bench/results
# Everyone arrives and signs in first (50 / SPAWN_RATE seconds, more while sign-ins queue on a busy
# machine); once the last has signed in, the locustfile resets the statistics and ~60 s are measured
# (load-summary.json's measured_s says how long exactly).
SPAWN_RATE=${SPAWN_RATE:-2}
RAMP=$(( (50 + SPAWN_RATE - 1) / SPAWN_RATE + 15 ))
timeout $(( RAMP + 120 )) .venv/bin/locust -f bench/load/locustfile.py --headless --users 50 \
    --spawn-rate "$SPAWN_RATE" --run-time "$(( RAMP + 60 ))s" --stop-timeout 5 \
    --host "http://127.0.0.1:$PORT" --csv bench/results/load --only-summary
