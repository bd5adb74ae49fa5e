"""Production: PostgreSQL, Redis, a Celery worker and beat, gunicorn behind a proxy."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str
from config.logs import logging_config
from config.sentry import sentry_init

from .base import *  # noqa: F403
from .base import CASEBOOK_INTEGRITY_KEY, SECRET_KEY

# Never on here: Django's debug pages show settings, code and the data being worked on.
if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be false in production (config.settings.production)")
DEBUG = False
if not env_str("SECRET_KEY") or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
if not env_str("CASEBOOK_INTEGRITY_KEY") or CASEBOOK_INTEGRITY_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("CASEBOOK_INTEGRITY_KEY must be set in production (a long random string, kept "
                               "apart from the database and its backups)")
if len(CASEBOOK_INTEGRITY_KEY) < 32:
    raise ImproperlyConfigured("CASEBOOK_INTEGRITY_KEY must be at least 32 characters long")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# A health probe may use plain http (a probe from this machine is answered before this; see config/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# One JSON object a line for the journal or a log collector; LOG_JSON=false for plain lines.
LOGGING = logging_config(json_lines=env_bool("LOG_JSON", True), level=env_str("LOG_LEVEL", "INFO"))
# Error reports go to Sentry only when SENTRY_DSN is set, and without case text (config/sentry.py).
sentry_init(dsn=env_str("SENTRY_DSN"), environment=env_str("SENTRY_ENVIRONMENT", "production"))
