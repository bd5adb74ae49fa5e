"""`make run`: SQLite, tasks in-process, console e-mail, debug on unless DEBUG says otherwise."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

# The SQLite file and private files live under var/.
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
