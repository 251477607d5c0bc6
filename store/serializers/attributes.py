import re
from decimal import Decimal

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from store.constants import ATTRIBUTE_SLUG_PATTERN
from store.models import Attribute, AttributeValue, Category, ProductAttributeValue

MAX_ATTRIBUTES_PER_PRODUCT = 100
ATTRIBUTE_SLUG = re.compile(ATTRIBUTE_SLUG_PATTERN)


def number_text(number: Decimal) -> str:
    """A stored number without the trailing zeros of its three decimal places: `1.5`, `10`."""
    return format(number.normalize(), "f") if number else "0"


def attribute_representation(
    *, slug: str, name: str, kind: str, value_slug: str | None, value_label: str | None, number: Decimal | None
) -> dict:
    """One attribute of a product as the API writes it, from its attribute, its value (choice and boolean) or
    its number."""
    if kind == Attribute.Kind.NUMBER:
        value, label = number_text(number), None
    elif kind == Attribute.Kind.BOOLEAN:
        value, label = value_slug == "true", value_label
    else:
        value, label = value_slug, value_label
    return {"attribute": slug, "name": name, "kind": kind, "value": value, "label": label}


def product_attribute_representation(row: ProductAttributeValue) -> dict:
    attribute, value = row.attribute, row.value
    return attribute_representation(
        slug=attribute.slug,
        name=attribute.name,
        kind=attribute.kind,
        value_slug=None if value is None else value.slug,
        value_label=None if value is None else value.value,
        number=row.number,
    )


class ProductAttributeValueSerializer(serializers.Serializer):
    """One attribute of a product: `value` is a value slug, a number as a string, or true/false."""

    attribute = serializers.CharField(help_text="The attribute's slug.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Attribute.Kind.choices)
    value = serializers.JSONField(help_text="Choice: the value's slug; number: a decimal string; boolean: true/false.")
    label = serializers.CharField(allow_null=True, help_text="The value as shown (null for numbers).")

    def to_representation(self, row: ProductAttributeValue) -> dict:
        return product_attribute_representation(row)


class ProductAttributesWriteSerializer(serializers.Serializer):
    attributes = serializers.DictField(
        child=serializers.JSONField(),
        allow_empty=True,
        help_text="Attribute slug to value: a value slug (choice), a number or decimal string (number), true or "
        "false (boolean). Replaces all the product's attribute values; `{}` removes them.",
    )

    def validate_attributes(self, value: dict) -> dict:
        if len(value) > MAX_ATTRIBUTES_PER_PRODUCT:
            raise serializers.ValidationError(f"At most {MAX_ATTRIBUTES_PER_PRODUCT} attributes.")
        return value


class AttributeValueSerializer(serializers.ModelSerializer):
    slug = serializers.RegexField(
        ATTRIBUTE_SLUG,
        max_length=100,
        required=False,
        help_text="Lower-case letters, digits and hyphens; made from the value when absent.",
    )

    class Meta:
        model = AttributeValue
        fields = ["id", "value", "slug", "position"]
        read_only_fields = ["id"]
        extra_kwargs = {"position": {"max_value": 1_000_000}}


class AttributeSerializer(serializers.ModelSerializer):
    slug = serializers.RegexField(
        ATTRIBUTE_SLUG,
        max_length=60,
        required=False,
        help_text="Lower-case letters, digits and hyphens; made from the name when absent.",
        validators=[UniqueValidator(Attribute.objects.all(), "An attribute with this slug already exists.")],
    )
    category_ids = serializers.PrimaryKeyRelatedField(
        source="categories",
        queryset=Category.objects.all(),
        many=True,
        required=False,
        help_text="The categories whose products carry it; empty for every category.",
    )
    values = AttributeValueSerializer(many=True, read_only=True)

    class Meta:
        model = Attribute
        fields = ["id", "name", "slug", "kind", "category_ids", "position", "values", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"position": {"max_value": 1_000_000}}

    def validate_kind(self, kind: str) -> str:
        if self.instance is not None and kind != self.instance.kind:
            raise serializers.ValidationError("The kind of an attribute cannot change.")
        return kind
