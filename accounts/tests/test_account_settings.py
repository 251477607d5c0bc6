"""The account settings fail safe at start-up (see duka_app/tests/test_settings.py)."""

import pytest

from duka_app.tests.test_settings import load_settings


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param({"STOREFRONT_URL": "shop.example.com"}, "STOREFRONT_URL", id="storefront-without-scheme"),
        pytest.param({"STOREFRONT_URL": "javascript:alert(1)"}, "STOREFRONT_URL", id="storefront-not-http"),
        pytest.param({"PASSWORD_RESET_TIMEOUT_SECONDS": "0"}, "PASSWORD_RESET_TIMEOUT_SECONDS", id="no-timeout"),
    ],
)
def test_bad_account_settings_refuse_to_start(variables, message):
    child = load_settings(DJANGO_DEBUG="1", **variables)

    assert child.returncode != 0
    assert f"ImproperlyConfigured: {message}" in child.stderr


def test_the_account_settings_have_safe_defaults():
    report = (
        "from django.conf import settings; "
        "print(settings.STOREFRONT_URL, settings.PASSWORD_RESET_TIMEOUT, settings.REQUIRE_VERIFIED_EMAIL_FOR_CHECKOUT)"
    )

    child = load_settings(report, DJANGO_DEBUG="1")

    assert child.stdout.split() == ["http://127.0.0.1:8000/shop", "259200", "False"]
