from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from accounts.permissions import ReadOnlyOrManager
from duka_app.api.filters import FilterBackend
from store.filters import CategoryFilter, ProductFilter
from store.schema import (
    CATEGORY_EXAMPLES,
    CATEGORY_NOT_EMPTY,
    PRODUCT_BAD_REQUEST,
    PRODUCT_EXAMPLES,
    PRODUCT_UPDATE_EXAMPLES,
    STOCK_CHANGED,
)
from store.selectors import catalog as selectors
from store.serializers.catalog import CategorySerializer, ProductSerializer
from store.services import catalog as services


@extend_schema_view(
    list=extend_schema(summary="List categories", examples=CATEGORY_EXAMPLES),
    create=extend_schema(summary="Create a category (managers)", examples=CATEGORY_EXAMPLES),
    retrieve=extend_schema(summary="One category", examples=CATEGORY_EXAMPLES),
    update=extend_schema(summary="Replace a category (managers)", examples=CATEGORY_EXAMPLES),
    partial_update=extend_schema(summary="Update some of a category (managers)", examples=CATEGORY_EXAMPLES),
    destroy=extend_schema(
        summary="Delete a category (managers)",
        description="Only an empty category can be deleted.",
        responses={204: None, 409: CATEGORY_NOT_EMPTY},
    ),
)
@extend_schema(tags=["catalog"])
class CategoryViewSet(viewsets.ModelViewSet):
    """Product categories. Anyone reads; managers and admins write. A category with products cannot be deleted."""

    serializer_class = CategorySerializer
    permission_classes = [ReadOnlyOrManager]
    filter_backends = [FilterBackend]
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


STOCK_UPDATE_RULE = (
    "Only the fields sent are written. Customers buy while managers edit, so the stock is never set blindly: "
    "`stock` requires `expected_stock`, the stock you last read. If the stock is still that, the difference "
    "is applied under the same row lock as checkout; if not, 409 `stock_changed` with the current `stock`, and "
    "nothing changes."
)


@extend_schema_view(
    list=extend_schema(
        summary="List products",
        description="Active products for everyone; managers and admins also see inactive ones and may filter "
        "on `is_active`. `search` ranks by relevance unless `ordering` is given.",
        examples=PRODUCT_EXAMPLES,
    ),
    create=extend_schema(summary="Create a product (managers)", examples=PRODUCT_EXAMPLES),
    retrieve=extend_schema(summary="One product by slug", examples=PRODUCT_EXAMPLES),
    update=extend_schema(
        summary="Replace a product (managers)",
        description=STOCK_UPDATE_RULE,
        responses={200: ProductSerializer, 400: PRODUCT_BAD_REQUEST, 409: STOCK_CHANGED},
        examples=PRODUCT_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Update some of a product (managers)",
        description=STOCK_UPDATE_RULE,
        responses={200: ProductSerializer, 400: PRODUCT_BAD_REQUEST, 409: STOCK_CHANGED},
        examples=PRODUCT_UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(summary="Delete a product (managers)"),
)
@extend_schema(tags=["catalog"])
class ProductViewSet(viewsets.ModelViewSet):
    """Products by slug. Anyone reads active products; managers and admins also see inactive ones and write."""

    serializer_class = ProductSerializer
    permission_classes = [ReadOnlyOrManager]
    filter_backends = [FilterBackend]
    filterset_class = ProductFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return selectors.product_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.product_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            product=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.product_delete(product=instance)
