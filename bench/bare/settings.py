"""Settings of the bare floor: Django's `startproject` defaults, minus everything the catalog rows do not need.

No middleware, no templates, no static files, no auth or sessions; DEBUG off. From the bench's
environment: the secret key, the allowed hosts, DATABASE_URL and persistent connections like Duka's
(DATABASE_CONN_MAX_AGE), without which every request would measure PostgreSQL's connect. Connection
health checks stay at Django's default (off): that round trip is part of what Duka's stack costs.
"""

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1"])

INSTALLED_APPS = ["bench.bare"]
MIDDLEWARE = []
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"

DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
