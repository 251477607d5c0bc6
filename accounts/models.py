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


class Address(models.Model):
    """A shipping address in a user's address book; checkout copies one onto the order, so editing or
    deleting it never changes an order. At most one per user is the default shipping address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=50, blank=True)
    name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32)
    line1 = models.CharField(max_length=255)
    line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    postal_code = models.CharField(max_length=20, blank=True)
    is_default_shipping = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default_shipping", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_shipping=True),
                name="address_one_default_shipping_per_user",
            ),
            models.CheckConstraint(condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="address_country_iso_code"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.name}, {self.city} ({self.country})"
