import re

from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.countries import COUNTRY_CODES
from accounts.models import Address, CustomerProfile, User
from accounts.tokens import refresh_token_rotate
from store.serializers.cart import CartMergeReportSerializer

DUPLICATE_USERNAME = "A user with that username already exists."
DUPLICATE_EMAIL = "A user with that email already exists."


class UsernameField(serializers.CharField):
    """A username, NFKC-normalised before validation (as Django's `normalize_username`): a full-width or
    compatibility spelling of a name is that name."""

    def to_internal_value(self, data) -> str:
        return User.normalize_username(super().to_internal_value(data))


class RegisterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = UsernameField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(DUPLICATE_USERNAME)
        return value

    def validate_email(self, value: str) -> str:
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(DUPLICATE_EMAIL)
        return value

    def validate(self, attrs: dict) -> dict:
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    def create(self, validated_data: dict) -> User:
        try:
            return services.customer_register(**validated_data)
        except IntegrityError as error:
            # Lost a race with a concurrent registration of the same username or email.
            raise serializers.ValidationError({"username": [DUPLICATE_USERNAME]}) from error


class TokenPairSerializer(serializers.Serializer):
    """An access token (`Authorization: Bearer <access>`, minutes) and a refresh token (days, single use)."""

    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class TokenObtainSerializer(TokenObtainPairSerializer):
    """Username and password, and optionally the token of a guest cart to merge into the user's cart."""

    cart_token = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        write_only=True,
        help_text="A guest cart's token: its lines are merged into your cart (the answer's `cart_merge`).",
    )

    def validate(self, attrs: dict) -> dict:
        tokens = super().validate(attrs)
        if "cart_token" in attrs:
            tokens["cart_token"] = attrs["cart_token"]
        return tokens


class TokenPairWithCartMergeSerializer(TokenPairSerializer):
    """The token pair; with `cart_merge` only when the login carried a `cart_token`."""

    cart_merge = CartMergeReportSerializer(required=False)


class TokenRefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)
    access = serializers.CharField(read_only=True)

    def validate(self, attrs: dict) -> dict:
        return refresh_token_rotate(token=RefreshToken(attrs["refresh"]))


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class PasswordChangeSerializer(serializers.Serializer):
    """The caller's current password and a new one that passes the password validators."""

    old_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})

    def validate_old_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("Your old password was entered incorrectly.", code="password_incorrect")
        return value

    def validate(self, attrs: dict) -> dict:
        try:
            password_validation.validate_password(attrs["new_password"], user=self.context["request"].user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"new_password": list(error.messages)}) from error
        return attrs


class LogoutAllSerializer(serializers.Serializer):
    """No fields: the caller's access token says whose sessions end. A body, if any, must be a JSON object."""


class ProfileSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", max_length=254, required=False)
    email_verified = serializers.BooleanField(
        source="user.email_verified",
        read_only=True,
        help_text="Whether the owner of `email` followed the link we sent to it; a new address starts unverified.",
    )
    role = serializers.ChoiceField(source="user.role", choices=User.Role.choices, read_only=True)

    class Meta:
        model = CustomerProfile
        fields = ["username", "email", "email_verified", "role", "phone", "address", "city", "country", "postal_code"]

    def validate_email(self, value: str) -> str:
        if User.objects.filter(email__iexact=value).exclude(pk=self.instance.user_id).exists():
            raise serializers.ValidationError(DUPLICATE_EMAIL)
        return value

    def update(self, instance: CustomerProfile, validated_data: dict) -> CustomerProfile:
        user_fields = validated_data.pop("user", {})
        try:
            return services.profile_update(user=instance.user, email=user_fields.get("email"), **validated_data)
        except IntegrityError as error:
            raise serializers.ValidationError({"email": [DUPLICATE_EMAIL]}) from error


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class AccountLinkSerializer(serializers.Serializer):
    """The `uid` and `token` of a link we emailed, as the storefront's page read them from its query string."""

    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)


class PasswordResetConfirmSerializer(AccountLinkSerializer):
    new_password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class MessageSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, for people.")


class AccountDeleteSerializer(serializers.Serializer):
    """The caller's current password, to confirm that they mean it."""

    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class EmptyBodySerializer(serializers.Serializer):
    """No fields: the caller's access token says who. A body, if any, must be a JSON object."""


PHONE_CHARACTERS = re.compile(r"\+?[0-9 -]+")
PHONE_DIGITS = (6, 20)


class AddressSerializer(serializers.ModelSerializer):
    """An address of the caller's book. `country` is an ISO 3166-1 alpha-2 code (any letter case in, upper case
    out); `phone` holds 6 to 20 digits, with spaces, dashes and a leading `+` allowed."""

    is_default_shipping = serializers.BooleanField(
        required=False,
        help_text="The address checkout uses when no `address_id` is given; at most one per user. Setting it "
        "unsets the previous default. Omitted on creation: true if the user has no default yet.",
    )

    class Meta:
        model = Address
        fields = [
            "id",
            "label",
            "name",
            "phone",
            "line1",
            "line2",
            "city",
            "region",
            "country",
            "postal_code",
            "is_default_shipping",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_country(self, value: str) -> str:
        code = value.upper()
        if code not in COUNTRY_CODES:
            raise serializers.ValidationError("Not an ISO 3166-1 alpha-2 country code (e.g. KE, US, GB).")
        return code

    def validate_phone(self, value: str) -> str:
        digits = sum(character.isdigit() for character in value)
        low, high = PHONE_DIGITS
        if not PHONE_CHARACTERS.fullmatch(value) or not low <= digits <= high:
            raise serializers.ValidationError(
                f"Enter a phone number of {low} to {high} digits; spaces, dashes and a leading + are allowed."
            )
        return value
