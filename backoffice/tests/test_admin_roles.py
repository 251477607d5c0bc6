"""Who may do what in the back office: the API's roles, model by model.

Managers manage what the API lets them manage (catalog, orders, stock, pricing, security) and read the payment,
fulfilment and ledger records, which change only through the services, and the back-in-stock requests (the
demand for sold-out products); they see no accounts and no carts, which the API shows only to their owners.
Admins (superusers) see everything. A model registered in the admin without a row here fails the test."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from unfold.admin import ModelAdmin

# view, add, change, delete: the letter where allowed, "-" where not.
RIGHTS = {
    "accounts.CustomerProfile": {"manager": "----", "admin": "vacd"},
    "accounts.User": {"manager": "----", "admin": "vacd"},
    "auth.Group": {"manager": "----", "admin": "vacd"},
    "axes.AccessAttempt": {"manager": "----", "admin": "v-cd"},
    "axes.AccessFailureLog": {"manager": "----", "admin": "v-cd"},
    "axes.AccessLog": {"manager": "----", "admin": "v-cd"},
    "token_blacklist.BlacklistedToken": {"manager": "----", "admin": "vacd"},
    "token_blacklist.OutstandingToken": {"manager": "----", "admin": "v-c-"},
    "core.BlacklistedIP": {"manager": "vacd", "admin": "vacd"},
    "core.RequestLog": {"manager": "v---", "admin": "v---"},
    "core.SuspiciousIP": {"manager": "vacd", "admin": "vacd"},
    "fulfilment.ReturnRequest": {"manager": "v---", "admin": "v---"},
    "fulfilment.Shipment": {"manager": "v---", "admin": "v---"},
    "payments.Payment": {"manager": "v---", "admin": "v---"},
    "payments.PaymentEvent": {"manager": "v---", "admin": "v---"},
    "payments.Refund": {"manager": "v---", "admin": "v---"},
    "pricing.ShippingMethod": {"manager": "vacd", "admin": "vacd"},
    "pricing.ShippingZone": {"manager": "vacd", "admin": "vacd"},
    "pricing.TaxRate": {"manager": "vacd", "admin": "vacd"},
    "pricing.Voucher": {"manager": "vacd", "admin": "vacd"},
    "store.Attribute": {"manager": "vacd", "admin": "vacd"},
    "store.BackInStockSubscription": {"manager": "v---", "admin": "vacd"},
    "store.Cart": {"manager": "----", "admin": "vacd"},
    "store.Category": {"manager": "vacd", "admin": "vacd"},
    # Orders come from checkout only; an admin may delete a cancelled one (the order admin's own rule).
    "store.Order": {"manager": "v-c-", "admin": "v-cd"},
    "store.Product": {"manager": "vacd", "admin": "vacd"},
    "store.RestockOrder": {"manager": "vacd", "admin": "vacd"},
    "store.Review": {"manager": "v-cd", "admin": "v-cd"},
    "store.StockMovement": {"manager": "v---", "admin": "v---"},
}
PERMISSIONS = (("v", "view"), ("a", "add"), ("c", "change"), ("d", "delete"))
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def rights_of(model_admin, user) -> str:
    request = RequestFactory().get("/admin/")
    request.user = user
    return "".join(
        letter if getattr(model_admin, f"has_{name}_permission")(request) else "-" for letter, name in PERMISSIONS
    )


def test_every_registered_model_has_its_rights_written_down():
    assert sorted(model._meta.label for model, _ in REGISTERED) == sorted(RIGHTS)


def test_every_admin_page_is_an_unfold_admin():
    assert [model._meta.label for model, model_admin in REGISTERED if not isinstance(model_admin, ModelAdmin)] == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "admin"])
@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[model._meta.label for model, _ in REGISTERED])
def test_the_role_has_exactly_its_rights_on_the_model(request, role, model, model_admin):
    user = request.getfixturevalue({"manager": "manager", "admin": "admin_user"}[role])
    client = Client()
    client.force_login(user)
    expected = RIGHTS[model._meta.label][role]
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"

    assert rights_of(model_admin, user) == expected
    assert client.get(base).status_code == (200 if "v" in expected else 403)
    assert client.get(f"{base}add/").status_code == (200 if "a" in expected else 403)


@pytest.mark.django_db
def test_the_manager_index_lists_only_the_models_they_may_see(manager):
    client = Client()
    client.force_login(manager)

    page = client.get("/admin/")

    listed = {model["object_name"] for app in page.context["app_list"] for model in app["models"]}
    visible = {label.split(".")[1] for label, rights in RIGHTS.items() if "v" in rights["manager"]}
    assert listed == visible


@pytest.mark.django_db
def test_a_customer_cannot_enter_the_back_office(customer):
    client = Client()
    customer.set_password("correct horse battery")
    customer.save()

    login = client.post(
        "/admin/login/?next=/admin/", {"username": customer.username, "password": "correct horse battery"}
    )

    assert login.status_code == 200  # the login form again, with its error
    assert "_auth_user_id" not in client.session
    client.force_login(customer)
    for url in ("/admin/", "/admin/store/order/", "/admin/store/product/add/"):
        response = client.get(url)
        assert (response.status_code, response.url.split("?")[0]) == (302, "/admin/login/")


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/")

    assert (response.status_code, response.url) == (302, "/admin/login/?next=/admin/")
