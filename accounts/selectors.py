from accounts.models import CustomerProfile, User


def profile_get_for_user(*, user: User) -> CustomerProfile:
    profile, _ = CustomerProfile.objects.select_related("user").get_or_create(user=user)
    return profile
