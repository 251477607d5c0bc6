from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import ReadOnlyOrManager
from store.models import AttributeValue
from store.schema import ATTRIBUTE_EXAMPLES, ATTRIBUTE_VALUE_EXAMPLES, PRODUCT_BAD_REQUEST
from store.selectors import attributes as selectors
from store.serializers.attributes import AttributeSerializer, AttributeValueSerializer
from store.services import attributes as services


@extend_schema_view(
    list=extend_schema(summary="List attributes with their values", examples=ATTRIBUTE_EXAMPLES),
    create=extend_schema(summary="Define an attribute (managers)", examples=ATTRIBUTE_EXAMPLES),
    retrieve=extend_schema(summary="One attribute by slug", examples=ATTRIBUTE_EXAMPLES),
    update=extend_schema(
        summary="Replace an attribute (managers); its kind cannot change", examples=ATTRIBUTE_EXAMPLES
    ),
    partial_update=extend_schema(
        summary="Update some of an attribute (managers); its kind cannot change", examples=ATTRIBUTE_EXAMPLES
    ),
    destroy=extend_schema(summary="Delete an attribute and every product's value of it (managers)"),
)
@extend_schema(tags=["catalog"])
class AttributeViewSet(viewsets.ModelViewSet):
    """Attributes products carry (choice, number, boolean), by slug. Anyone reads; managers and admins write.
    A boolean attribute's values are `true` and `false`, made with it."""

    serializer_class = AttributeSerializer
    permission_classes = [ReadOnlyOrManager]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-z0-9]+"
    pagination_class = None

    def get_queryset(self):
        return selectors.attribute_list()

    def perform_create(self, serializer):
        attribute = services.attribute_create(**serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=attribute.pk)

    def perform_update(self, serializer):
        attribute = services.attribute_update(attribute=serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=attribute.pk)

    def perform_destroy(self, instance):
        services.attribute_delete(attribute=instance)

    @extend_schema(
        summary="Add a value to a choice attribute (managers)",
        request=AttributeValueSerializer,
        responses={201: AttributeValueSerializer, 400: PRODUCT_BAD_REQUEST},
        examples=ATTRIBUTE_VALUE_EXAMPLES,
    )
    @action(detail=True, methods=["post"], url_path="values")
    def values_create(self, request, slug=None):
        attribute = self.get_object()
        serializer = AttributeValueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        value = services.attribute_value_create(attribute=attribute, **serializer.validated_data)
        return Response(AttributeValueSerializer(value).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change or delete a value of a choice attribute (managers)",
        request=AttributeValueSerializer,
        responses={200: AttributeValueSerializer, 204: None, 400: PRODUCT_BAD_REQUEST},
        examples=ATTRIBUTE_VALUE_EXAMPLES,
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"values/(?P<value_slug>[-a-zA-Z0-9_]+)")
    def value_detail(self, request, slug=None, value_slug=None):
        attribute = self.get_object()
        value = get_object_or_404(
            AttributeValue.objects.select_related("attribute"), attribute=attribute, slug=value_slug
        )
        if request.method == "DELETE":
            services.attribute_value_delete(attribute_value=value)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = AttributeValueSerializer(value, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        value = services.attribute_value_update(attribute_value=value, **serializer.validated_data)
        return Response(AttributeValueSerializer(value).data)
