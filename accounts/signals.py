from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.dispatch import Signal

from accounts.models import CustomerProfile, User

STORE_MANAGERS_GROUP = "Store managers"
# Sent by `account_delete` inside its transaction, with `user`: an app holding the user's personal data (the
# store's cart and wishlist) deletes it; orders stay, for the books.
account_deleted = Signal()
# Apps whose models store managers administer in Django admin, as the API lets them (catalog, orders, stock,
# pricing, security); payment and fulfilment records are read there too.
MANAGED_APP_LABELS = ("store", "core", "payments", "fulfilment", "pricing")
# Within them, the customers' own things, which the API shows only to their owners (and admins): managers get no
# permission on carts and wishlists, and only read back-in-stock requests (the demand for sold-out products guides
# restocking; only their customers make or drop them).
CUSTOMER_OWN_MODELS = ("cart", "cartitem", "wishlistitem")
CUSTOMER_REQUEST_MODELS = ("backinstocksubscription",)


def create_profile_for_new_user(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        CustomerProfile.objects.create(user=instance)


def sync_store_managers_group(**kwargs) -> None:
    """Keep the "Store managers" group holding every permission on the catalog, order, pricing, payment, fulfilment
    and security models, less those on the customers' own things."""
    group, _ = Group.objects.get_or_create(name=STORE_MANAGERS_GROUP)
    customer_own = Q(content_type__app_label="store", content_type__model__in=CUSTOMER_OWN_MODELS) | Q(
        content_type__app_label="store",
        content_type__model__in=CUSTOMER_REQUEST_MODELS,
        codename__regex=r"^(add|change|delete)_",
    )
    group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=MANAGED_APP_LABELS).exclude(customer_own)
    )
