"""Settings of the benchmark's gunicorn: the product's settings plus the baseline routes of `bench.urls`."""

from duka_app.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
