"""Unknown paths under /api/ answer like every other API error: JSON `{detail, code}`, not an HTML page."""

import pytest
from rest_framework.test import APIClient


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/cart/%C2%84/",
        "/api/security/blacklist/0.5/",
        "/api/products/not%20a%20slug/",
        "/api/orders/1234567890123456789012/cancel/",
        "/api/nothing-here/",
        "/api/categories/%5C%C3%8A%0A%F0%B1%8E%94/",
        "/api/nothing-here",
        "/api/" + "a" * 300 + "%00x",
    ],
    ids=[
        "non-ascii-id",
        "decimal-id",
        "slug-with-space",
        "id-too-long",
        "unknown-endpoint",
        "newline-in-id",
        "unknown-without-slash",
        "nul-byte",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_unknown_api_paths_are_json_404s(path, method):
    client = APIClient(enforce_csrf_checks=True)

    response = getattr(client, method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_a_missing_trailing_slash_still_redirects(api_client):
    response = api_client.get("/api/products")

    assert response.status_code == 301
    assert response["Location"] == "/api/products/"


@pytest.mark.django_db
def test_unknown_paths_outside_the_api_keep_the_html_page(api_client):
    response = api_client.get("/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/categories/999999/", "/api/products/no-such-product/", "/api/categories/99999999999999999999999/"]
)
def test_a_missing_object_is_a_not_found_error(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_missing_order_of_a_customer_is_a_not_found_error(client_for, customer):
    response = client_for(customer).post("/api/orders/999999/cancel/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
