from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username: str) -> "User":
        """Logins match the stored name in any letter case and any NFKC-equivalent spelling (e.g. full-width)."""
        return self.get(username__iexact=self.model.normalize_username(username))


class User(AbstractUser):
    class Role(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        MANAGER = "manager", "Manager"

    email = models.EmailField("email address")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    # When the current email address was confirmed through the emailed link; None: not (yet) verified.
    email_verified_at = models.DateTimeField(null=True, blank=True)

    objects = CaseInsensitiveUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            # Deleted (anonymised) accounts have no email address; every other address belongs to one account.
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="user_email_ci_unique"),
        ]

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class CustomerProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"
