"""The original INLOOP's settings for the page bench: its own `inloop.settings` (configured by
environment variables, which the bench sets) with two changes.

- Static files: with DEBUG off the original uses the manifest storage, which needs its JavaScript
  and CSS bundles built (npm) and collected first; the bench measures pages, not assets, so
  `{% static %}` only has to produce plain URLs.
- The implicit primary key type of Django 3.2 named, which only silences a start-up warning.
"""

from inloop.settings import *  # noqa: F401,F403

STATICFILES_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
STATICFILES_DIRS = []
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
