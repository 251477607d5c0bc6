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
def test_the_store_managers_group_holds_no_permission_on_the_customers_own_things():
    group = Group.objects.get(name=STORE_MANAGERS_GROUP)

    models = set(
        group.permissions.filter(content_type__app_label="store").values_list("content_type__model", flat=True)
    )

    assert models.isdisjoint({"cart", "cartitem", "wishlistitem", "backinstocksubscription"})
    assert {"product", "order", "restockorder"} <= models


@pytest.mark.django_db
def test_every_user_gets_a_profile():
    user = UserFactory(admin=True)

    assert CustomerProfile.objects.filter(user=user).count() == 1
