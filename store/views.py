from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets

from accounts.permissions import ReadOnlyOrManager
from store import selectors, services
from store.filters import CategoryFilter, ProductFilter
from store.serializers import CategorySerializer, ProductSerializer

CONFLICT = OpenApiResponse(description="The category still has products: `{detail, code: category_not_empty}`.")


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: CONFLICT}))
class CategoryViewSet(viewsets.ModelViewSet):
    """Product categories. Anyone reads; managers and admins write. A category with products cannot be deleted."""

    serializer_class = CategorySerializer
    permission_classes = [ReadOnlyOrManager]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CategoryFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.category_list(user=self.request.user)

    def perform_create(self, serializer):
        category = services.category_create(**serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=category.pk)

    def perform_update(self, serializer):
        category = services.category_update(category=serializer.instance, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=category.pk)

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


class ProductViewSet(viewsets.ModelViewSet):
    """Products by slug. Anyone reads active products; managers and admins also see inactive ones and write."""

    serializer_class = ProductSerializer
    permission_classes = [ReadOnlyOrManager]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return selectors.product_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.product_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.product_update(product=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.product_delete(product=instance)
