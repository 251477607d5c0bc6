"""The shape of the facets answer (documentation; the selector builds plain dicts)."""

from rest_framework import serializers

from store.serializers.attributes import number_text
from store.serializers.fields import money_field


class CategoryFacetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    count = serializers.IntegerField()


class PriceBandSerializer(serializers.Serializer):
    min = money_field(help_text="Final prices from this amount (included)...")
    max = money_field(allow_null=True, help_text="...to this one (excluded); null for the last band.")
    count = serializers.IntegerField()


class ValueFacetSerializer(serializers.Serializer):
    slug = serializers.CharField()
    value = serializers.CharField()
    count = serializers.IntegerField()


class AttributeFacetSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    values = ValueFacetSerializer(many=True, required=False, help_text="Choice and boolean attributes.")
    min = serializers.CharField(required=False, allow_null=True, help_text="Number attributes: the lowest value.")
    max = serializers.CharField(required=False, allow_null=True, help_text="Number attributes: the highest value.")
    count = serializers.IntegerField(required=False, help_text="Number attributes: products with a value.")

    def to_representation(self, facet: dict) -> dict:
        """Choice and boolean attributes answer `values`; number attributes `min`, `max` and `count`."""
        if "values" in facet:
            return facet
        numbers = {key: None if facet[key] is None else number_text(facet[key]) for key in ("min", "max")}
        return facet | numbers


class FacetsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Active products matching every filter.")
    categories = CategoryFacetSerializer(many=True)
    price_bands = PriceBandSerializer(many=True)
    attributes = AttributeFacetSerializer(many=True)
