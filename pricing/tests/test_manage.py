"""Managers keep the shipping zones and methods, the tax rates and the vouchers through the API."""

from decimal import Decimal

import pytest

from conftest import ROLES
from pricing.models import ShippingMethod, ShippingZone, TaxRate, Voucher, VoucherUse
from pricing.tests.factories import ShippingMethodFactory, ShippingZoneFactory, TaxRateFactory, VoucherFactory
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.shopping import place_order

D = Decimal
ALLOWED = {"anonymous": 401, "customer": 403, "other_customer": 403, "manager": None, "admin": None}


def state() -> tuple:
    return (
        list(ShippingZone.objects.order_by("pk").values_list("pk", "name", "countries")),
        list(ShippingMethod.objects.order_by("pk").values_list("pk", "name", "price", "is_active")),
        list(TaxRate.objects.order_by("pk").values_list("pk", "country", "category_id", "rate")),
        list(Voucher.objects.order_by("pk").values_list("pk", "code", "kind", "value", "is_active")),
    )


@pytest.fixture
def resources(db):
    zone = ShippingZoneFactory(name="East Africa", countries=["KE"])
    return {
        "shipping-zones": zone,
        "shipping-methods": ShippingMethodFactory(zone=zone),
        "tax-rates": TaxRateFactory(),
        "vouchers": VoucherFactory(code="KARIBU10"),
    }


def create_body(resource: str, resources: dict) -> dict:
    return {
        "shipping-zones": {"name": "Europe", "countries": ["de", "FR"]},
        "shipping-methods": {
            "zone_id": resources["shipping-zones"].pk,
            "name": "Express",
            "price": "900.00",
            "free_over": "10000.00",
            "days_min": 1,
            "days_max": 2,
        },
        "tax-rates": {"country": "UG", "rate": "18.00"},
        "vouchers": {"code": "Welcome5", "kind": "fixed", "value": "500.00", "min_subtotal": "2000.00"},
    }[resource]


RESOURCES = ["shipping-zones", "shipping-methods", "tax-rates", "vouchers"]


@pytest.mark.django_db
@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ROLES)
def test_only_managers_and_admins_manage_pricing(client_as, role, resource, resources):
    client = client_as(role)
    url = f"/api/{resource}/"
    detail = f"{url}{resources[resource].pk}/"
    before = state()

    listed = client.get(url)
    created = client.post(url, create_body(resource, resources), format="json")
    changed = client.patch(detail, {}, format="json")

    if ALLOWED[role] is not None:
        assert (listed.status_code, created.status_code, changed.status_code) == (ALLOWED[role],) * 3
        assert client.delete(detail).status_code == ALLOWED[role]
        assert state() == before
        return
    assert (listed.status_code, created.status_code, changed.status_code) == (200, 201, 200)
    assert client.delete(f"{url}{created.json()['id']}/").status_code == 204
    assert state() == before


@pytest.mark.django_db
def test_a_zone_keeps_upper_case_iso_codes_and_a_voucher_code_is_unique_in_any_case(client_for, manager, resources):
    zone_body = {"name": "EU", "countries": ["fr", "de", "FR"]}
    zone = client_for(manager).post("/api/shipping-zones/", zone_body, format="json")
    clash = client_for(manager).post("/api/vouchers/", {"code": "karibu10", "kind": "free_shipping"}, format="json")

    assert zone.json()["countries"] == ["DE", "FR"]
    assert (clash.status_code, list(clash.json())) == (400, ["code"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "resource, body",
    [
        ("shipping-zones", {"name": "X", "countries": ["XX"]}),
        ("shipping-zones", {"name": "X", "countries": "KE"}),
        ("shipping-methods", {"zone_id": 999999, "name": "X", "price": "1.00"}),
        ("shipping-methods", {"zone_id": "ZONE", "name": "X", "price": "-1.00"}),
        ("shipping-methods", {"zone_id": "ZONE", "name": "X", "price": "1" * 20}),
        ("shipping-methods", {"zone_id": "ZONE", "name": "X", "price": "1.00", "days_min": 5, "days_max": 2}),
        ("tax-rates", {"country": "KE", "rate": "5.00"}),
        ("tax-rates", {"country": "UG", "rate": "101"}),
        ("tax-rates", {"country": "UG", "rate": "5", "category_id": 2**70}),
        ("vouchers", {"code": "P", "kind": "percentage", "value": "10"}),
        ("vouchers", {"code": "PCT", "kind": "percentage", "value": "150"}),
        ("vouchers", {"code": "FIX", "kind": "fixed"}),
        ("vouchers", {"code": "FIX", "kind": "bogus", "value": "1"}),
        ("vouchers", {"code": "FIX", "kind": "fixed", "value": "1", "usage_limit": -1}),
        ("vouchers", {"code": "FIX", "kind": "fixed", "value": "1", "product_ids": [999999]}),
        (
            "vouchers",
            {
                "code": "FIX",
                "kind": "fixed",
                "value": "1",
                "valid_from": "2026-02-01T00:00:00Z",
                "valid_until": "2026-01-01T00:00:00Z",
            },
        ),
    ],
    ids=[
        "unknown-country",
        "countries-not-a-list",
        "unknown-zone",
        "negative-price",
        "huge-price",
        "days-reversed",
        "second-general-rate",
        "rate-over-100",
        "huge-category",
        "code-too-short",
        "percent-over-100",
        "fixed-without-value",
        "unknown-kind",
        "negative-limit",
        "unknown-product",
        "ends-before-start",
    ],
)
def test_bad_pricing_input_is_400_and_changes_nothing(client_for, manager, resources, resource, body):
    body = {key: resources["shipping-zones"].pk if value == "ZONE" else value for key, value in body.items()}
    before = state()
    response = client_for(manager).post(f"/api/{resource}/", body, format="json")
    assert response.status_code == 400
    assert state() == before


@pytest.mark.django_db
def test_malformed_json_is_400(client_for, manager):
    response = client_for(manager).post("/api/vouchers/", "{oops", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_voucher_with_orders_is_deactivated_instead_of_deleted(client_for, manager, customer, resources):
    voucher = resources["vouchers"]
    order = place_order(customer, (ProductFactory(), 1))
    VoucherUse.objects.create(voucher=voucher, order=order, user=customer)

    response = client_for(manager).delete(f"/api/vouchers/{voucher.pk}/")

    voucher.refresh_from_db()
    assert (response.status_code, voucher.is_active) == (204, False)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 8])
def test_voucher_list_query_budget(client_for, manager, django_assert_max_num_queries, count):
    categories = [CategoryFactory() for _ in range(2)]
    for _ in range(count):
        VoucherFactory().categories.set(categories)

    with django_assert_max_num_queries(5):
        response = client_for(manager).get("/api/vouchers/")

    assert response.status_code == 200
