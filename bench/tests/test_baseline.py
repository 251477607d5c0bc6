import pytest
from django.urls import Resolver404, resolve

from store.models import Product

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]


def test_baseline_list_serves_active_products_newest_first(api_client, catalog):
    response = api_client.get("/bench/products/")

    assert response.status_code == 200
    body = response.json()
    expected = list(Product.objects.filter(is_active=True).order_by("-created_at", "-id").values_list("id", flat=True))
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == expected
    assert body["results"][0]["category__slug"] == catalog["lamps"].slug


def test_baseline_list_filters_on_category_final_price_and_search(api_client, catalog):
    shoes = catalog["shoes"]

    response = api_client.get("/bench/products/", {"category": shoes.pk, "min_price": "70", "search": "shoes"})

    body = response.json()
    assert [row["name"] for row in body["results"]] == ["Trail runner shoe"]
    assert body["results"][0]["final_price"] == "80.00"


def test_baseline_pages_and_caps_the_page_size(api_client, catalog):
    first = api_client.get("/bench/products/", {"page_size": 2}).json()
    second = api_client.get("/bench/products/", {"page_size": 2, "page": 2}).json()
    capped = api_client.get("/bench/products/", {"page_size": 1000}).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert len(capped["results"]) == 3


def test_baseline_detail_serves_one_active_product(api_client, catalog):
    active, hidden = catalog["products"][0], catalog["products"][3]

    assert api_client.get(f"/bench/products/{active.slug}/").json()["id"] == active.pk
    assert api_client.get(f"/bench/products/{hidden.slug}/").status_code == 404


def test_baseline_list_serves_the_same_rows_as_the_catalog_api(api_client, catalog):
    try:
        resolve("/api/products/")
    except Resolver404:
        pytest.skip("the catalog API (/api/products/) is not part of this build")

    api = api_client.get("/api/products/").json()
    baseline = api_client.get("/bench/products/").json()

    assert api["count"] == baseline["count"]
    assert [row["id"] for row in api["results"]] == [row["id"] for row in baseline["results"]]
