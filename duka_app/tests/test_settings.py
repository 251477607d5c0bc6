"""The settings fail safe: each case loads them in a fresh interpreter with only the variables it names."""

import json
import os
import subprocess
import sys

import pytest
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


def load_settings(report: str = REPORT, **variables: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "duka_app.settings",
        "DATABASE_URL": UNREACHABLE_DATABASE_URL,
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", report],
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


def test_the_fake_payment_provider_is_refused_without_debug():
    child = load_settings(DJANGO_SECRET_KEY=REAL_SECRET_KEY, PAYMENTS_FAKE_PROVIDER="1")

    assert child.returncode != 0
    assert "PAYMENTS_FAKE_PROVIDER" in child.stderr


def test_the_fake_payment_provider_is_on_by_default_only_in_development_without_keys():
    report = "from django.conf import settings; print(settings.PAYMENTS_FAKE_PROVIDER)"
    environments = [
        {"DJANGO_DEBUG": "1"},
        {"DJANGO_DEBUG": "1", "STRIPE_SECRET_KEY": "sk_test_x"},
        {"DJANGO_SECRET_KEY": REAL_SECRET_KEY},
    ]

    answers = [load_settings(report, **variables).stdout.strip() for variables in environments]

    assert answers == ["True", "False", "False"]


def test_mpesa_needs_a_long_callback_token():
    child = load_settings(DJANGO_DEBUG="1", MPESA_CONSUMER_KEY="key", MPESA_CALLBACK_TOKEN="short")

    assert child.returncode != 0
    assert "MPESA_CALLBACK_TOKEN" in child.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME."),
        ({"MAX_IMAGE_MB": "0"}, "MAX_IMAGE_MB must be at least 1."),
        ({"MAX_IMAGE_PIXELS": "-5"}, "MAX_IMAGE_PIXELS must be at least 1."),
        ({"RETURN_WINDOW_DAYS": "-1"}, "RETURN_WINDOW_DAYS must be 0 or more."),
        ({"BACK_IN_STOCK_COOLDOWN_MINUTES": "-1"}, "BACK_IN_STOCK_COOLDOWN_MINUTES must be 0 or more."),
        (
            {"CARRIER_WEBHOOK_SECRETS": f"g4s={'s' * 32},dhl=short"},
            "CARRIER_WEBHOOK_SECRETS: each secret needs at least 32 characters (dhl).",
        ),
    ],
    ids=["s3-without-bucket", "image-mb", "image-pixels", "return-window", "cooldown", "weak-carrier-secret"],
)
def test_settings_out_of_range_refuse_to_start_with_a_clear_message(variables, message):
    child = load_settings(DJANGO_DEBUG="1", **variables)

    assert child.returncode != 0
    assert f"ImproperlyConfigured: {message}" in child.stderr
