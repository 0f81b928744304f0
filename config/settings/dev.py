"""`make run`: the embedded SQLite database, DEBUG on, e-mail to the console."""

from config import env
from config.settings.base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = [*env.ALLOWED_HOSTS, "0.0.0.0", "[::1]"]  # noqa: S104
