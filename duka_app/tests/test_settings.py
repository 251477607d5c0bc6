"""The settings fail safe: each case loads them in a fresh interpreter with only the variables it names."""

import json
import os
import subprocess
import sys

from django.conf import settings

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key"
REAL_SECRET_KEY = "a-real-secret-of-a-production-server-0123456789"
# Parsed only: loading the settings opens no connection.
UNREACHABLE_DATABASE_URL = "postgres://duka@127.0.0.1:1/duka"

REPORT = (
    "import json\n"
    "from django.conf import settings\n"
    "print(json.dumps({'debug': settings.DEBUG, 'signing_key': settings.SIMPLE_JWT['SIGNING_KEY']}))\n"
)


def load_settings(**variables: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "duka_app.settings",
        "DATABASE_URL": UNREACHABLE_DATABASE_URL,
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", REPORT],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def loaded(**variables: str) -> dict:
    child = load_settings(**variables)
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout)


def test_debug_is_off_when_the_variable_is_unset():
    assert loaded(DJANGO_SECRET_KEY=REAL_SECRET_KEY) == {"debug": False, "signing_key": REAL_SECRET_KEY}


def test_without_debug_a_missing_secret_key_refuses_to_start():
    child = load_settings()

    assert child.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set to a real secret" in child.stderr


def test_without_debug_the_development_secret_key_refuses_to_start():
    child = load_settings(DJANGO_SECRET_KEY=DEVELOPMENT_SECRET_KEY)

    assert child.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set to a real secret" in child.stderr


def test_debug_off_spelled_out_also_requires_a_real_secret_key():
    child = load_settings(DJANGO_DEBUG="0")

    assert child.returncode != 0
    assert "ImproperlyConfigured" in child.stderr


def test_the_development_secret_key_is_used_only_when_debug_is_explicitly_on():
    assert loaded(DJANGO_DEBUG="1") == {"debug": True, "signing_key": DEVELOPMENT_SECRET_KEY}


def test_a_cache_in_the_brokers_redis_database_refuses_to_start():
    child = load_settings(DJANGO_DEBUG="1", REDIS_URL="redis://127.0.0.1:1/3", REDIS_CACHE_URL="redis://127.0.0.1:1/3")

    assert child.returncode != 0
    assert "ImproperlyConfigured: REDIS_CACHE_URL must name another database than REDIS_URL" in child.stderr
