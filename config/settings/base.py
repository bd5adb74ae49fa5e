"""Settings shared by every environment. Values come from environment variables.

Per-school behaviour (policy, ladder, letters, limits) lives in the `policies` models, not here.
"""

import datetime
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_path,
    env_redis_url,
    env_str,
)
from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
# Keys the case timelines' hash chains and signs the daily seal: kept outside the database (and out
# of the backups), so that whoever can write to the database cannot forge a chain that verifies.
CASEBOOK_INTEGRITY_KEY = env_str("CASEBOOK_INTEGRITY_KEY", "dev-only-integrity-key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.CasebookAdminConfig",
    "config.apps.RolesConfig",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_otp",
    "config.apps.AuthenticatorAppsConfig",
    "config.apps.RecoveryCodesConfig",
    "config.apps.SignInAttemptsConfig",
    "csp",
    "policies",
    "incidents",
]

MIDDLEWARE = [
    "config.logs.RequestIdMiddleware",
    # Before the https redirect and the Host check: a probe from this machine uses neither.
    "config.health.LoopbackHealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "incidents.access.middleware.RenewSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "incidents.access.schools.SchoolMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "incidents.access.twofactor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees every failed sign-in.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Permissions from the roles held at the school in hand (Membership), not from User.groups.
    "incidents.access.schools.MembershipBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "incidents.access.context_processors.roles",
                "policies.context_processors.policy_review",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'casebook.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "incidents.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:home"
LOGOUT_REDIRECT_URL = "login"
# A reset link works for an hour, and once.
PASSWORD_RESET_TIMEOUT = 60 * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# The school's way of writing dates ("4 Dec 2026"): config/formats/en_GB/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (evidence, letters, reported files) live on the storage that CASEBOOK_STORAGE names:
# "filesystem" (MEDIA_ROOT, the default) or "s3" (an S3-compatible bucket through django-storages,
# shared by every machine). Either way no file is given a public URL: the permission-checked views
# read it through the storage API and send it themselves (they never redirect to the bucket).
CASEBOOK_STORAGE = env_str("CASEBOOK_STORAGE", "filesystem")
if CASEBOOK_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"CASEBOOK_STORAGE must be filesystem or s3, not {CASEBOOK_STORAGE!r}")
PRIVATE_STORAGE: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if CASEBOOK_STORAGE == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("CASEBOOK_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    PRIVATE_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
        "location": env_str("AWS_LOCATION"),
        "region_name": env_str("AWS_S3_REGION_NAME") or None,
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
        "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
        # Private objects; a signed URL, were one ever made, would last a minute.
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 60,
        # A name already taken gets a new one, as on the file system: nothing is overwritten.
        "file_overwrite": False,
    }}
STORAGES = {
    "default": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / "var" / "private")
# The daily seal of every timeline's newest event and every stored file's digest (records.seal):
# outside the database, beside the backups.
CASEBOOK_SEAL_DIR = env_path("CASEBOOK_SEAL_DIR", BASE_DIR / "var" / "seals")
# No view or URL pattern serves this prefix: private files go out only through
# permission-checked download views. (Django needs some value here.)
MEDIA_URL = "/private-files-are-not-served/"

# Encrypted database backups (`make backup` on PostgreSQL; README, "Backup and restore"). Without the
# passphrase there is no backup; without it, no backup can be restored either.
BACKUP_DIR = env_path("BACKUP_DIR", BASE_DIR / "var" / "backups")
BACKUP_PASSPHRASE = env_str("BACKUP_PASSPHRASE")
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7, minimum=1)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4, minimum=0)

# Uploads above this stay on disk in temp files; the per-school evidence limit is checked in the form.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before a silent mail server counts as a failed attempt (retried with backoff), rather than
# holding a worker for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "casebook@localhost")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Celery: with REDIS_URL unset, tasks run in-process (the embedded default).
REDIS_URL = env_redis_url("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# The cache counts posts of the public report form per network address (incidents.reporting.ratelimit).
# On Redis every gunicorn worker shares the count; without it each process counts on its own. The
# scheduled jobs' run-once claims (incidents.schedule) live there too, shared by every worker.
CACHES: dict[str, dict[str, object]] = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "casebook",
        # A Redis that does not answer must not hold a parent's report for long (ratelimit lets it through).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    # A task whose worker died is given to another worker after this many seconds (acks_late).
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    # Look for such tasks every 10 seconds (kombu's default looks every 100).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# With the broker down, a request gives up queueing within about a second and says the work waits.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": CELERY_TASK_PUBLISH_RETRY_POLICY}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_TIMEZONE = TIME_ZONE
# The daily job (reminders, then digests), run by `celery beat` in production at 07:00 school time;
# `manage.py send_reminders` runs the same job where there is no beat.
CELERY_BEAT_SCHEDULE = {
    "daily-reminders": {
        "task": "incidents.notifications.tasks.daily_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # The seal of the timelines and files, once the day's work is done.
    "daily-seal": {"task": "incidents.records.tasks.daily_seal", "schedule": crontab(hour=2, minute=30)},
    # Expired sign-in sessions are deleted once a night; Django keeps them otherwise.
    "clear-expired-sessions": {
        "task": "incidents.tasks.clear_expired_sessions", "schedule": crontab(hour=3, minute=15),
    },
    # The trust statistics /trust/ reads, worked out again every hour (incidents.trusts.tasks).
    "refresh-trust-statistics": {
        "task": "incidents.trusts.tasks.refresh_trust_statistics", "schedule": crontab(minute=0),
    },
    # What could not be queued while the broker was down is queued again.
    "requeue-waiting-work": {"task": "incidents.tasks.requeue_waiting_work", "schedule": 60.0},
    # /healthz reports the worker missing when this has not run for two minutes.
    "worker-heartbeat": {"task": "incidents.tasks.worker_heartbeat", "schedule": 30.0, "options": {"expires": 60}},
}
# No task runs for ever: past the soft limit it gets SoftTimeLimitExceeded (and is retried where it
# retries), past the hard limit its process is killed and replaced. Rendering a long letter, the
# daily job over a whole school and the hourly trust statistics (seconds a 300-school trust; stopped
# well within the hour, each trust done so far kept) are given longer.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=2)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be less than CELERY_TASK_TIME_LIMIT")
CELERY_TASK_ANNOTATIONS = {
    "incidents.letters.tasks.render_letter_pdf": {"soft_time_limit": 600, "time_limit": 660},
    "incidents.notifications.tasks.daily_reminders": {"soft_time_limit": 1800, "time_limit": 1860},
    "incidents.trusts.tasks.refresh_trust_statistics": {"soft_time_limit": 1500, "time_limit": 1560},
}
# The worker logs through Django's LOGGING (JSON lines in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sign-in throttling: five failures lock that username from that address for 15 minutes; others
# signing in from the same address (everyone behind the school's proxy) are not locked out.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# How many reverse proxies stand in front of gunicorn (README, Production): the client address is read
# from X-Forwarded-For past that many, by incidents.access.client_address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "incidents.access.client_address.client_address"

# Two-factor sign-in (TOTP) is required for these roles; others may opt in.
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "Casebook")
# A fresh password or code is asked before deciding, approving, issuing and exporting.
RECENT_CONFIRMATION_SECONDS = env_int("RECENT_CONFIRMATION_SECONDS", 10 * 60, minimum=30)

# No inline script anywhere: behaviour lives in static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False  # incidents.access.middleware renews a session in use once a minute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "casebook-demo")

# Time, level, logger and request id on every line; JSON lines in production (config/logs.py).
LOGGING = logging_config(json_lines=env_bool("LOG_JSON", False), level=env_str("LOG_LEVEL", "INFO"))
