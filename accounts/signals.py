from django.contrib.auth.models import Group, Permission
from django.dispatch import Signal

from accounts.models import CustomerProfile, User

STORE_MANAGERS_GROUP = "Store managers"
# Sent by `account_delete` inside its transaction, with `user`: an app holding the user's personal data (the
# store's cart and wishlist) deletes it; orders stay, for the books.
account_deleted = Signal()
# Apps whose models store managers administer in Django admin; security and payment records are read too.
MANAGED_APP_LABELS = ("store", "core", "payments", "pricing", "fulfilment")


def create_profile_for_new_user(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        CustomerProfile.objects.create(user=instance)


def sync_store_managers_group(**kwargs) -> None:
    """Keep the "Store managers" group holding every permission on the catalog, order, payment, pricing, fulfilment and
    security models."""
    group, _ = Group.objects.get_or_create(name=STORE_MANAGERS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=MANAGED_APP_LABELS))
