import factory

from accounts.models import User
from accounts.services import user_create

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """Users created through the same service as real sign-ups. `manager=True` or `admin=True` for the other roles."""

    class Meta:
        model = User

    class Params:
        manager = False
        admin = False

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = DEFAULT_PASSWORD
    role = factory.LazyAttribute(lambda user: User.Role.MANAGER if user.manager else User.Role.CUSTOMER)
    is_superuser = factory.LazyAttribute(lambda user: user.admin)

    @classmethod
    def _create(cls, model_class, *args, is_superuser=False, **kwargs):
        user = user_create(**kwargs)
        if is_superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        return user
