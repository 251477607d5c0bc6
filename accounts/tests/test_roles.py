import pytest
from django.contrib.auth.models import Group

from accounts.models import CustomerProfile
from accounts.signals import STORE_MANAGERS_GROUP
from accounts.tests.factories import UserFactory


@pytest.mark.django_db
def test_managers_are_staff_in_the_store_managers_group(manager):
    assert manager.is_staff
    assert not manager.is_superuser
    assert manager.groups.filter(name=STORE_MANAGERS_GROUP).exists()


@pytest.mark.django_db
def test_the_store_managers_group_holds_the_catalog_security_pricing_payment_and_fulfilment_permissions():
    group = Group.objects.get(name=STORE_MANAGERS_GROUP)

    labels = set(group.permissions.values_list("content_type__app_label", flat=True))

    assert labels == {"store", "core", "payments", "fulfilment", "pricing"}


@pytest.mark.django_db
def test_the_store_managers_group_only_reads_back_in_stock_requests_and_holds_nothing_on_carts_and_wishlists():
    group = Group.objects.get(name=STORE_MANAGERS_GROUP)

    codenames = set(group.permissions.filter(content_type__app_label="store").values_list("codename", flat=True))

    assert {codename for codename in codenames if "cart" in codename or "wishlist" in codename} == set()
    assert {codename for codename in codenames if "backinstock" in codename} == {"view_backinstocksubscription"}
    assert {"add_product", "change_order", "delete_restockorder"} <= codenames


@pytest.mark.django_db
def test_every_user_gets_a_profile():
    user = UserFactory(admin=True)

    assert CustomerProfile.objects.filter(user=user).count() == 1
