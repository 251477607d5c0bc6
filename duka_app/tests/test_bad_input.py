"""Bodies no endpoint can take: nested deeper than the JSON parser allows, or larger than the upload limit.

Each is a 4xx in the API's `{detail, code}` shape on every endpoint that reads a body, and changes nothing.
The same bodies, without what makes them bad, succeed (the control test), so "nothing changed" means something.
"""

import json
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from core.models import BlacklistedIP
from duka_app.api.parsers import MAX_DEPTH
from store.models import CartItem, Order, Product
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.shopping import fill_cart

STRONG_PASSWORD = "Plum-Tree-Harbour-42"


@pytest.fixture
def shop(customer, manager):
    """A customer with shipping details and a cart line, so checkout (and every other endpoint) could succeed."""
    profile = customer.profile
    profile.phone, profile.address, profile.city = "+254700000001", "1 Moi Avenue", "Nairobi"
    profile.country, profile.postal_code = "Kenya", "00100"
    profile.save()
    category = CategoryFactory(name="Kitchen", slug="kitchen")
    teapot = ProductFactory(category=category, name="Teapot", slug="teapot", price=Decimal("25.00"), stock=5)
    fill_cart(customer, (teapot, 1))
    return {"customer": customer, "manager": manager, "category": category, "teapot": teapot}


# name: (caller, path, a body that succeeds, its status)
ENDPOINTS = {
    "register": (
        None,
        "/api/auth/register/",
        lambda shop: {"username": "newbie", "email": "newbie@example.com", "password": STRONG_PASSWORD},
        201,
    ),
    "token": (None, "/api/auth/token/", lambda shop: {"username": "carol", "password": DEFAULT_PASSWORD}, 200),
    "cart-add": ("customer", "/api/cart/", lambda shop: {"product_id": shop["teapot"].pk, "quantity": 1}, 200),
    "checkout": ("customer", "/api/checkout/", lambda shop: {}, 201),
    "product-create": (
        "manager",
        "/api/products/",
        lambda shop: {
            "name": "Kettle",
            "sku": "KET-1",
            "price": "30.00",
            "stock": 4,
            "category_id": shop["category"].pk,
        },
        201,
    ),
    "blacklist-create": ("manager", "/api/security/blacklist/", lambda shop: {"ip": "203.0.113.7"}, 201),
}


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


DEEP_BODIES = {
    "100k-open-arrays": "[" * 100_000,
    "100k-open-objects": '{"a":' * 100_000,
    "3000-closed-arrays": nested(3000),
    "500-levels-in-a-field": '{"username": ' + nested(500) + ', "ip": "203.0.113.7"}',
    "one-level-too-deep": '{"ip": "203.0.113.7", "reason": ' + nested(MAX_DEPTH) + "}",
}


def store_state() -> dict:
    """Everything these requests could write."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "role")),
        "products": list(Product.objects.order_by("pk").values_list("pk", "name", "stock")),
        "cart": list(CartItem.objects.order_by("pk").values_list("pk", "product_id", "quantity")),
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status")),
        "blacklist": list(BlacklistedIP.objects.order_by("pk").values_list("ip", flat=True)),
        "login_failures": list(AccessAttempt.objects.values_list("username", "failures_since_start")),
    }


def call(client_for, shop, endpoint: str, body, **kwargs):
    caller, path, _, _ = ENDPOINTS[endpoint]
    client = client_for(shop[caller] if caller else None)
    return client.post(path, body, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_control_the_well_formed_body_succeeds(client_for, shop, endpoint):
    _, _, body, status = ENDPOINTS[endpoint]

    response = call(client_for, shop, endpoint, json.dumps(body(shop)), content_type="application/json")

    assert response.status_code == status, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_deeply_nested_json_is_400_and_changes_nothing(client_for, shop, endpoint, body):
    before = store_state()

    response = call(client_for, shop, endpoint, body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": f"JSON parse error - nested deeper than {MAX_DEPTH} levels.",
        "code": "parse_error",
    }
    assert store_state() == before


def padded(body: dict) -> dict:
    """The body with an ignored field that takes it one byte past the upload limit."""
    size = len(json.dumps({**body, "pad": ""}))
    return {**body, "pad": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1 - size)}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_json_body_over_the_upload_limit_is_413_and_changes_nothing(client_for, shop, endpoint):
    _, _, body, _ = ENDPOINTS[endpoint]
    content = json.dumps(padded(body(shop)))
    assert len(content) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    before = store_state()

    response = call(client_for, shop, endpoint, content, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The request body is larger than the server accepts.",
        "code": "request_too_large",
    }
    assert store_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("form_format", ["multipart", "urlencoded"])
def test_a_form_body_over_the_upload_limit_is_413_and_changes_nothing(client_for, shop, form_format):
    # Form fields count towards the limit by their values alone.
    body = {"ip": "203.0.113.7", "pad": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    before = store_state()

    if form_format == "multipart":
        response = call(client_for, shop, "blacklist-create", body)
    else:
        encoded = "&".join(f"{name}={value}" for name, value in body.items())
        response = call(client_for, shop, "blacklist-create", encoded, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert store_state() == before


@pytest.mark.django_db
def test_too_many_form_fields_is_400_and_changes_nothing(client_for, shop):
    fields = {"ip": "203.0.113.7", **{f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}}
    encoded = "&".join(f"{name}={value}" for name, value in fields.items())
    before = store_state()

    response = call(client_for, shop, "blacklist-create", encoded, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request has more fields or files than the server accepts.",
        "code": "too_many_fields",
    }
    assert store_state() == before
