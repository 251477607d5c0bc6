from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.models import CustomerProfile, User
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
            return services.user_create(**validated_data)
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
    role = serializers.ChoiceField(source="user.role", choices=User.Role.choices, read_only=True)

    class Meta:
        model = CustomerProfile
        fields = ["username", "email", "role", "phone", "address", "city", "country", "postal_code"]

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
