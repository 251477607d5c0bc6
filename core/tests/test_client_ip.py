import pytest

from core.models import BlacklistedIP, RequestLog
from core.request_logs import request_logs_drain

SPOOFED = "9.9.9.9"


def logged_ips() -> list[str]:
    request_logs_drain()
    return list(RequestLog.objects.values_list("ip", flat=True))


@pytest.mark.django_db
def test_with_no_trusted_proxy_a_forwarded_header_changes_nothing(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    BlacklistedIP.objects.create(ip="198.51.100.1")

    response = api_client.get("/api/products/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=SPOOFED)

    assert response.status_code == 403
    assert (
        api_client.get("/api/nowhere/", REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
        == 404
    )
    assert sorted(logged_ips()) == ["198.51.100.1", "198.51.100.2"]


@pytest.mark.django_db
def test_with_one_trusted_proxy_the_address_it_saw_is_the_client(api_client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    BlacklistedIP.objects.create(ip="198.51.100.1")

    refused = api_client.get("/api/nowhere/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{SPOOFED}, 198.51.100.1")
    served = api_client.get("/api/nowhere/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 9.9.9.9")

    assert (refused.status_code, served.status_code) == (403, 404)
    assert sorted(logged_ips()) == ["198.51.100.1", "9.9.9.9"]


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["not-an-ip", "", " , ", "1.2.3.4.5", "x" * 10_000])
def test_a_garbage_forwarded_header_falls_back_to_the_peer_address(api_client, settings, header):
    settings.TRUSTED_PROXY_COUNT = 1

    api_client.get("/api/products/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header)

    assert logged_ips() == ["10.0.0.2"]


@pytest.mark.django_db
def test_ipv6_addresses_are_normalised(api_client):
    BlacklistedIP.objects.create(ip="2001:db8::1")

    assert api_client.get("/api/products/", REMOTE_ADDR="2001:0DB8:0:0::0001").status_code == 403
