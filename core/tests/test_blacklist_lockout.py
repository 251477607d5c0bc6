"""The blacklist cannot lock the store out: loopback and unspecified addresses, the caller's own and a trusted
proxy's are refused with 400 `ip_not_blockable`, through the API and the admin, and nothing is written."""

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings

from core.models import BlacklistedIP, SuspiciousIP

LIST = "/api/security/blacklist/"
CALLER = "198.51.100.20"
LOOPBACK = "Loopback and unspecified addresses cannot be blacklisted."
OWN = "This is the address your request comes from; blacklisting it would lock you out."
PROXY = "This is a trusted proxy's address; blacklisting it would block every client behind it."


def refused(detail: str) -> dict:
    return {"detail": detail, "code": "ip_not_blockable"}


def blacklist_state() -> tuple:
    return (
        list(BlacklistedIP.objects.order_by("pk").values_list("ip", "reason", "expires_at")),
        list(SuspiciousIP.objects.order_by("pk").values_list("ip", "resolved")),
    )


# id: (settings, request META, the address to blacklist, the refusal)
UNBLOCKABLE = {
    "loopback": ({}, {"REMOTE_ADDR": CALLER}, "127.0.0.1", LOOPBACK),
    "loopback-range": ({}, {"REMOTE_ADDR": CALLER}, "127.8.9.10", LOOPBACK),
    "loopback-v6": ({}, {"REMOTE_ADDR": CALLER}, "::1", LOOPBACK),
    "loopback-v4-mapped": ({}, {"REMOTE_ADDR": CALLER}, "::ffff:127.0.0.1", LOOPBACK),
    "unspecified": ({}, {"REMOTE_ADDR": CALLER}, "0.0.0.0", LOOPBACK),
    "unspecified-v6": ({}, {"REMOTE_ADDR": CALLER}, "::", LOOPBACK),
    "own-address": ({}, {"REMOTE_ADDR": CALLER}, CALLER, OWN),
    "own-address-v6-spelled-otherwise": ({}, {"REMOTE_ADDR": "2001:db8::20"}, "2001:DB8:0::20", OWN),
    "own-address-behind-a-proxy": (
        {"TRUSTED_PROXY_COUNT": 1},
        {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": CALLER},
        CALLER,
        OWN,
    ),
    "the-proxy": (
        {"TRUSTED_PROXY_COUNT": 1},
        {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": CALLER},
        "10.0.0.2",
        PROXY,
    ),
    "the-outer-of-two-proxies": (
        {"TRUSTED_PROXY_COUNT": 2},
        {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": f"{CALLER}, 10.0.0.3"},
        "10.0.0.3",
        PROXY,
    ),
    "a-configured-proxy-network": (
        {"TRUSTED_PROXY_NETWORKS": ["10.1.0.0/16"]},
        {"REMOTE_ADDR": CALLER},
        "10.1.2.3",
        PROXY,
    ),
    "a-configured-proxy-address-v6": (
        {"TRUSTED_PROXY_NETWORKS": ["2001:db8:1::7"]},
        {"REMOTE_ADDR": CALLER},
        "2001:db8:1::7",
        PROXY,
    ),
}

# id: (settings, request META, an address the same request may blacklist)
BLOCKABLE = {
    "an-ordinary-address": ({}, {"REMOTE_ADDR": CALLER}, "198.51.100.21"),
    "a-private-address-not-configured": ({}, {"REMOTE_ADDR": CALLER}, "10.0.0.2"),
    "a-forwarded-address-without-trusted-proxies": (
        {"TRUSTED_PROXY_COUNT": 0},
        {"REMOTE_ADDR": CALLER, "HTTP_X_FORWARDED_FOR": "198.51.100.99"},
        "198.51.100.99",
    ),
    "a-spoofable-forwarded-address": (
        {"TRUSTED_PROXY_COUNT": 1},
        {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": f"198.51.100.99, {CALLER}"},
        "198.51.100.99",
    ),
}


def configure(settings, overrides: dict) -> None:
    for name, value in overrides.items():
        setattr(settings, name, value)


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "meta", "ip", "detail"), UNBLOCKABLE.values(), ids=UNBLOCKABLE.keys())
def test_create_refuses_an_unblockable_address_and_writes_nothing(
    client_for, manager, settings, overrides, meta, ip, detail
):
    configure(settings, overrides)
    client = client_for(manager)

    response = client.post(LIST, {"ip": ip, "reason": "oops"}, format="json", **meta)

    assert response.status_code == 400
    assert response.json() == refused(detail)
    assert not BlacklistedIP.objects.exists()
    assert client.get("/api/products/", **meta).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "meta", "ip"), BLOCKABLE.values(), ids=BLOCKABLE.keys())
def test_create_takes_any_other_address(client_for, manager, settings, overrides, meta, ip):
    configure(settings, overrides)

    response = client_for(manager).post(LIST, {"ip": ip}, format="json", **meta)

    assert response.status_code == 201
    assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == [ip]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "meta", "ip", "detail"), UNBLOCKABLE.values(), ids=UNBLOCKABLE.keys())
def test_patch_to_an_unblockable_address_is_refused_and_changes_nothing(
    client_for, admin_user, settings, overrides, meta, ip, detail
):
    configure(settings, overrides)
    entry = BlacklistedIP.objects.create(ip="203.0.113.9", reason="spam")
    before = blacklist_state()

    response = client_for(admin_user).patch(f"{LIST}{entry.pk}/", {"ip": ip, "reason": "x"}, format="json", **meta)

    assert response.status_code == 400
    assert response.json() == refused(detail)
    assert blacklist_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ip", "detail"), [("127.0.0.1", LOOPBACK), ("::", LOOPBACK), (CALLER, OWN)], ids=["loopback", "unspecified", "own"]
)
def test_blacklisting_a_suspicious_unblockable_address_is_refused_and_leaves_it_unresolved(
    client_for, manager, ip, detail
):
    now = datetime.now(UTC)
    suspicious = SuspiciousIP.objects.create(ip=ip, reason="burst", first_seen=now, last_seen=now)
    before = blacklist_state()

    response = client_for(manager).post(
        f"/api/security/suspicious/{suspicious.pk}/blacklist/", {}, format="json", REMOTE_ADDR=CALLER
    )

    assert response.status_code == 400
    assert response.json() == refused(detail)
    assert blacklist_state() == before


# --- admin ----------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ip", "detail"),
    [("127.0.0.1", LOOPBACK), ("0.0.0.0", LOOPBACK), (CALLER, OWN)],
    ids=["loopback", "unspecified", "own"],
)
def test_the_admin_add_form_shows_the_refusal_and_writes_nothing(admin_client, ip, detail):
    response = admin_client.post("/admin/core/blacklistedip/add/", {"ip": ip, "reason": "oops"}, REMOTE_ADDR=CALLER)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"ip": [detail]}
    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
def test_the_admin_change_form_refuses_an_unblockable_address(admin_client):
    entry = BlacklistedIP.objects.create(ip="203.0.113.9", reason="spam")
    before = blacklist_state()

    response = admin_client.post(f"/admin/core/blacklistedip/{entry.pk}/change/", {"ip": "::1", "reason": "x"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"ip": [LOOPBACK]}
    assert blacklist_state() == before


@pytest.mark.django_db
def test_the_admin_suspicious_action_skips_unblockable_addresses(admin_client, django_capture_on_commit_callbacks):
    now = datetime.now(UTC)
    loopback = SuspiciousIP.objects.create(ip="127.0.0.1", reason="burst", first_seen=now, last_seen=now)
    own = SuspiciousIP.objects.create(ip=CALLER, reason="burst", first_seen=now, last_seen=now)
    other = SuspiciousIP.objects.create(ip="203.0.113.1", reason="burst", first_seen=now, last_seen=now)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/core/suspiciousip/",
            {"action": "blacklist_selected", "_selected_action": [loopback.pk, own.pk, other.pk]},
            REMOTE_ADDR=CALLER,
            follow=True,
        )

    assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == ["203.0.113.1"]
    assert dict(SuspiciousIP.objects.values_list("ip", "resolved")) == {
        "127.0.0.1": False,
        CALLER: False,
        "203.0.113.1": True,
    }
    assert [str(message) for message in response.context["messages"]] == [
        "Blacklisted 1 IP address(es).",
        f"Not blacklisted: 127.0.0.1: {LOOPBACK}",
        f"Not blacklisted: {CALLER}: {OWN}",
    ]


# --- settings -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["10.0.0.0/33", "not-a-network", "10.0.0.0/8,proxy.example.com"])
@pytest.mark.slow
def test_a_bad_proxy_network_stops_the_start(value):
    env = {**os.environ, "TRUSTED_PROXY_NETWORKS": value, "DJANGO_SETTINGS_MODULE": "duka_app.settings"}

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: TRUSTED_PROXY_NETWORKS" in result.stderr
