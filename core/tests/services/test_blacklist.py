"""Blacklist rules at the service level: one entry per address, addresses that may not be blocked, expiry, and
the suspicious-IP review that blacklists through them."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from core.analysis import suspicious_ip_blacklist, suspicious_ip_resolve
from core.blacklist import (
    CACHE_KEY,
    BlacklistGuard,
    blacklist_add,
    blacklist_remove,
    blacklist_remove_many,
    blacklist_snapshot_build,
    blacklist_update,
    local_guard,
)
from core.client_ip import RequestOrigin
from core.errors import AlreadyBlacklisted, ErrorCode, IPNotBlockable
from core.models import BlacklistedIP, SuspiciousIP
from core.tests.factories import BlacklistedIPFactory, SuspiciousIPFactory

CALLER = "198.51.100.20"
LOOPBACK = "Loopback and unspecified addresses cannot be blacklisted."
OWN = "This is the address your request comes from; blacklisting it would lock you out."
PROXY = "This is a trusted proxy's address; blacklisting it would block every client behind it."
ORIGIN = RequestOrigin(client=CALLER)
BEHIND_A_PROXY = RequestOrigin(client=CALLER, proxies=frozenset({"10.0.0.2", "10.0.0.3"}))

# id: (TRUSTED_PROXY_NETWORKS, the request's origin, the address to blacklist, the refusal)
UNBLOCKABLE = {
    "loopback": ([], ORIGIN, "127.0.0.1", LOOPBACK),
    "loopback-range": ([], ORIGIN, "127.8.9.10", LOOPBACK),
    "loopback-v6": ([], ORIGIN, "::1", LOOPBACK),
    "loopback-v4-mapped": ([], ORIGIN, "::ffff:127.0.0.1", LOOPBACK),
    "unspecified": ([], ORIGIN, "0.0.0.0", LOOPBACK),
    "unspecified-v6": ([], ORIGIN, "::", LOOPBACK),
    "loopback-without-a-request": ([], None, "127.0.0.1", LOOPBACK),
    "own-address": ([], ORIGIN, CALLER, OWN),
    "a-proxy-the-request-came-through": ([], BEHIND_A_PROXY, "10.0.0.3", PROXY),
    "a-configured-proxy-network": (["10.1.0.0/16"], ORIGIN, "10.1.2.3", PROXY),
    "a-configured-proxy-network-without-a-request": (["10.1.0.0/16"], None, "10.1.2.3", PROXY),
    "a-configured-proxy-address-v6": (["2001:db8:1::7"], ORIGIN, "2001:db8:1::7", PROXY),
}

# id: (TRUSTED_PROXY_NETWORKS, the request's origin, an address that may be blacklisted)
BLOCKABLE = {
    "an-ordinary-address": ([], ORIGIN, "198.51.100.21"),
    "a-private-address-not-configured": ([], ORIGIN, "10.0.0.2"),
    "an-address-outside-the-proxy-networks": (["10.1.0.0/16"], ORIGIN, "10.2.0.1"),
    "any-other-address-without-a-request": ([], None, CALLER),
}


def blacklist_state() -> list[tuple]:
    return list(BlacklistedIP.objects.order_by("pk").values_list("ip", "reason", "expires_at"))


@pytest.mark.django_db
def test_adding_records_the_entry_and_who_added_it(manager):
    expires = timezone.now() + timedelta(days=1)

    entry = blacklist_add(ip="203.0.113.9", reason="scanner", expires_at=expires, created_by=manager, origin=ORIGIN)

    assert BlacklistedIP.objects.values_list("ip", "reason", "expires_at", "created_by").get() == (
        "203.0.113.9",
        "scanner",
        expires,
        manager.pk,
    )
    assert entry.pk is not None


@pytest.mark.django_db
def test_a_change_reaches_the_middleware_once_it_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = blacklist_add(ip="203.0.113.9")
    blocked = local_guard.is_blocked("203.0.113.9")
    with django_capture_on_commit_callbacks(execute=True):
        blacklist_remove(entry=entry)

    assert (blocked, local_guard.is_blocked("203.0.113.9")) == (True, False)


@pytest.mark.django_db
def test_nothing_is_published_before_the_change_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        blacklist_add(ip="203.0.113.9")

    assert len(callbacks) == 1
    assert cache.get(CACHE_KEY) is None


# --- one entry per address --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_listed_address_cannot_be_added_again_nor_moved_onto():
    BlacklistedIPFactory(ip="203.0.113.9", reason="spam")
    other = BlacklistedIPFactory(ip="203.0.113.10")
    before = blacklist_state()

    with pytest.raises(AlreadyBlacklisted) as added:
        blacklist_add(ip="203.0.113.9")
    with pytest.raises(AlreadyBlacklisted) as moved:
        blacklist_update(entry=other, ip="203.0.113.9")

    for refused in (added, moved):
        assert (refused.value.code, refused.value.field) == (ErrorCode.ALREADY_BLACKLISTED, "ip")
    assert blacklist_state() == before


@pytest.mark.django_db
def test_an_entry_may_keep_its_own_address_when_changed():
    entry = BlacklistedIPFactory(ip="203.0.113.9", reason="spam")

    updated = blacklist_update(entry=entry, ip="203.0.113.9", reason="same ip")

    assert (updated.reason, blacklist_state()) == ("same ip", [("203.0.113.9", "same ip", None)])


@pytest.mark.django_db
def test_a_listed_address_is_reported_as_listed_even_when_it_may_not_be_blocked():
    BlacklistedIPFactory(ip="127.0.0.1")

    with pytest.raises(AlreadyBlacklisted):
        blacklist_add(ip="127.0.0.1")


# --- addresses that may not be blocked --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("networks", "origin", "ip", "detail"), UNBLOCKABLE.values(), ids=UNBLOCKABLE.keys())
def test_an_address_whose_blocking_would_lock_the_store_out_is_refused(settings, networks, origin, ip, detail):
    settings.TRUSTED_PROXY_NETWORKS = networks

    with pytest.raises(IPNotBlockable) as refused:
        blacklist_add(ip=ip, reason="oops", origin=origin)

    assert (refused.value.code, refused.value.detail) == (ErrorCode.IP_NOT_BLOCKABLE, detail)
    assert not BlacklistedIP.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("networks", "origin", "ip", "detail"), UNBLOCKABLE.values(), ids=UNBLOCKABLE.keys())
def test_an_entry_cannot_be_moved_to_an_address_that_may_not_be_blocked(settings, networks, origin, ip, detail):
    settings.TRUSTED_PROXY_NETWORKS = networks
    entry = BlacklistedIPFactory(ip="203.0.113.9", reason="spam")
    before = blacklist_state()

    with pytest.raises(IPNotBlockable) as refused:
        blacklist_update(entry=entry, origin=origin, ip=ip, reason="x")

    assert refused.value.detail == detail
    assert blacklist_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("networks", "origin", "ip"), BLOCKABLE.values(), ids=BLOCKABLE.keys())
def test_any_other_address_may_be_blocked(settings, networks, origin, ip):
    settings.TRUSTED_PROXY_NETWORKS = networks

    blacklist_add(ip=ip, origin=origin)

    assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == [ip]


# --- expiry -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_snapshot_holds_unexpired_and_permanent_entries_only():
    now = timezone.now()
    later = now + timedelta(hours=1)
    BlacklistedIPFactory(ip="203.0.113.1", expires_at=later)
    BlacklistedIPFactory(ip="203.0.113.2", expires_at=None)
    BlacklistedIPFactory(ip="203.0.113.3", expires_at=now - timedelta(seconds=1))

    assert blacklist_snapshot_build() == {"203.0.113.1": later.timestamp(), "203.0.113.2": None}


@pytest.mark.django_db
def test_an_entry_stops_blocking_when_it_expires_even_inside_a_snapshot():
    cache.set(CACHE_KEY, {"203.0.113.1": time.time() - 1, "203.0.113.2": time.time() + 3600, "203.0.113.3": None})
    guard = BlacklistGuard()

    assert [guard.is_blocked(f"203.0.113.{n}") for n in (1, 2, 3, 4)] == [False, True, True, False]


@pytest.mark.django_db
def test_removing_many_addresses_returns_how_many_were_listed():
    BlacklistedIPFactory(ip="203.0.113.1")
    BlacklistedIPFactory(ip="203.0.113.2")
    BlacklistedIPFactory(ip="203.0.113.3")

    removed = blacklist_remove_many(ips=["203.0.113.1", "203.0.113.3", "198.51.100.1"])

    assert removed == 2
    assert list(BlacklistedIP.objects.values_list("ip", flat=True)) == ["203.0.113.2"]


# --- suspicious IPs ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_blacklisting_a_suspicious_ip_lists_it_and_resolves_it(manager):
    suspicious = SuspiciousIPFactory(ip="203.0.113.1", reason="burst")
    expires = timezone.now() + timedelta(hours=1)

    entry, created = suspicious_ip_blacklist(suspicious=suspicious, created_by=manager, expires_at=expires)

    assert created
    assert (entry.ip, entry.reason, entry.expires_at, entry.created_by) == (
        "203.0.113.1",
        "Suspicious: burst",
        expires,
        manager,
    )
    assert SuspiciousIP.objects.get().resolved


@pytest.mark.django_db
def test_blacklisting_a_suspicious_ip_already_listed_returns_the_entry_and_resolves_it():
    listed = BlacklistedIPFactory(ip="203.0.113.1", reason="earlier")
    suspicious = SuspiciousIPFactory(ip="203.0.113.1")

    entry, created = suspicious_ip_blacklist(suspicious=suspicious, reason="again")

    assert (entry.pk, created) == (listed.pk, False)
    assert blacklist_state() == [("203.0.113.1", "earlier", None)]
    assert SuspiciousIP.objects.get().resolved


@pytest.mark.django_db
@pytest.mark.parametrize("ip", ["127.0.0.1", "::", CALLER], ids=["loopback", "unspecified", "own"])
def test_a_suspicious_ip_that_may_not_be_blocked_is_refused_and_stays_unresolved(ip):
    suspicious = SuspiciousIPFactory(ip=ip)

    with pytest.raises(IPNotBlockable):
        suspicious_ip_blacklist(suspicious=suspicious, origin=ORIGIN)

    assert not BlacklistedIP.objects.exists()
    assert not SuspiciousIP.objects.get().resolved


@pytest.mark.django_db
def test_resolving_a_suspicious_ip_blacklists_nothing():
    suspicious = SuspiciousIPFactory(ip="203.0.113.1")

    suspicious_ip_resolve(suspicious=suspicious)

    assert SuspiciousIP.objects.get().resolved
    assert not BlacklistedIP.objects.exists()
