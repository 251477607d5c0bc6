from django.db.models import QuerySet

from accounts.errors import AddressNotFound
from accounts.models import Address, CustomerProfile, User


def profile_get_for_user(*, user: User) -> CustomerProfile:
    profile, _ = CustomerProfile.objects.select_related("user").get_or_create(user=user)
    return profile


def address_list(*, user: User) -> QuerySet[Address]:
    """The user's address book, the default shipping address first, then the newest."""
    return Address.objects.filter(user=user)


def address_get(*, user: User, address_id: int) -> Address:
    """One of the user's addresses; another user's is as unknown as one that does not exist."""
    address = Address.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise AddressNotFound()
    return address


def address_default_shipping(*, user: User) -> Address | None:
    return Address.objects.filter(user=user, is_default_shipping=True).first()
