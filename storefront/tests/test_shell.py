"""The storefront's shell: one HTML page for /shop/ and every path under it, which loads the app's assets."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/shop/", "/shop/p/linen-shirt", "/shop/orders/12", "/shop/checkout?address=3"])
def test_every_shop_path_answers_the_shell(client, path, django_assert_max_num_queries):
    # The shell reads nothing (the budget leaves out the security middleware's own queries).
    with django_assert_max_num_queries(0):
        response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert '<script type="module" src="/static/storefront/app.js">' in page
    assert 'href="/static/storefront/shop.css"' in page
    assert 'data-base="/shop/"' in page
    assert 'data-currency="KES"' in page


def test_the_shell_only_answers_reads(client):
    assert client.post("/shop/").status_code == 405
    assert client.head("/shop/cart").status_code == 200


def test_the_shop_needs_its_trailing_slash(client):
    response = client.get("/shop")

    assert response.status_code == 301
    assert response["Location"] == "/shop/"


@pytest.mark.parametrize(
    "asset",
    ["app.js", "api.js", "dom.js", "catalog.js", "checkout.js", "account.js", "pay.js", "recovery.js", "shop.css"],
)
def test_the_assets_are_static_files(asset):
    from django.contrib.staticfiles import finders

    assert finders.find(f"storefront/{asset}")
