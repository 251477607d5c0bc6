from django.http import Http404
from django_filters import utils
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.permissions import IsCustomer, IsManager, ReadOnlyOrManager
from duka_app.api.filters import FilterBackend
from duka_app.api.pagination import CountInRowsPagination, StandardPagination
from store.filters import CategoryFilter, ProductFilter, StockMovementFilter
from store.models import StockMovement
from store.schema import (
    CATEGORY_EXAMPLES,
    CATEGORY_NOT_EMPTY,
    FACETS_EXAMPLES,
    PRODUCT_ATTRIBUTES_EXAMPLES,
    PRODUCT_BAD_REQUEST,
    PRODUCT_EXAMPLES,
    PRODUCT_IN_STOCK,
    PRODUCT_ON_RESTOCK_ORDER,
    PRODUCT_UPDATE_EXAMPLES,
    STOCK_ADJUSTMENT_CONFLICT,
    STOCK_ADJUSTMENT_EXAMPLES,
    STOCK_CHANGED,
    STOCK_MOVEMENT_EXAMPLES,
)
from store.selectors import attributes as attribute_selectors
from store.selectors import catalog as selectors
from store.selectors.stock import stock_movement_list
from store.serializers.attributes import ProductAttributesWriteSerializer
from store.serializers.catalog import CategorySerializer, ProductSerializer, product_card_representation
from store.serializers.facets import FacetsSerializer
from store.serializers.stock import (
    StockAdjustmentResultSerializer,
    StockAdjustmentSerializer,
    StockMovementSerializer,
)
from store.services import attributes as attribute_services
from store.services import back_in_stock
from store.services import catalog as services
from store.views.cached import CatalogCachedReads


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
class CategoryViewSet(CatalogCachedReads, viewsets.ModelViewSet):
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
    destroy=extend_schema(summary="Delete a product (managers)", responses={204: None, 409: PRODUCT_ON_RESTOCK_ORDER}),
)
@extend_schema(tags=["catalog"])
class ProductViewSet(CatalogCachedReads, viewsets.ModelViewSet):
    """Products by slug. Anyone reads active products; managers and admins also see inactive ones and write."""

    cached_actions = frozenset({"list", "retrieve", "facets"})
    cached_parameter_prefixes = (attribute_selectors.PARAMETER_PREFIX,)

    serializer_class = ProductSerializer
    permission_classes = [ReadOnlyOrManager]
    filter_backends = [FilterBackend]
    filterset_class = ProductFilter
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    pagination_class = CountInRowsPagination

    # The writes that answer with the product load its images and attribute values, one query each; the
    # reads (`list`, `retrieve`) read `product_cards` rows instead, and the rest only look the product up.
    PRODUCT_ANSWERS = frozenset({"update", "partial_update", "attributes"})

    def get_queryset(self):
        products = selectors.product_list(user=self.request.user)
        if self.action in self.PRODUCT_ANSWERS:
            products = attribute_selectors.products_with_attributes(selectors.products_with_images(products))
        return products

    def list(self, request, *args, **kwargs):
        """The page's products in one query, which also counts the whole list (`CountInRowsPagination`)."""
        if self._unfiltered():
            pages = selectors.CatalogPages(user=request.user)
        else:
            pages = selectors.CardPages(self.filter_queryset(selectors.product_list(user=request.user)))
        page = self.paginate_queryset(pages)
        return self.get_paginated_response([product_card_representation(row) for row in page])

    def retrieve(self, request, *args, **kwargs):
        """`get_object` on `product_cards`: the same filters and 404, in one query. `ReadOnlyOrManager` has no
        rule for single products, so there is no object permission to check."""
        slug = kwargs[self.lookup_field]
        if self._unfiltered():
            row = selectors.product_card(user=request.user, slug=slug)
        else:
            row = self.filter_queryset(selectors.catalog_cards(user=request.user)).filter(slug=slug).first()
        if row is None:
            raise Http404("No Product matches the given query.")
        return Response(product_card_representation(row))

    def _unfiltered(self) -> bool:
        """No query parameter names a list filter or an attribute filter: the catalog's precompiled SQL answers."""
        params = self.request.query_params
        return self.filterset_class.base_filters.keys().isdisjoint(params) and not any(
            name.startswith(attribute_selectors.PARAMETER_PREFIX) for name in params
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            for condition in attribute_selectors.attribute_conditions_parse(params=self.request.query_params):
                queryset = queryset.filter(condition.as_q())
        return queryset

    @extend_schema(
        summary="Facet counts of the active products under the list's filters",
        description="Takes the list's filters. For each category, price band and attribute value: how many active "
        "products match every filter but the ones on that same facet (a shopper who picked `red` still sees how "
        "many are `blue`). Number attributes answer the range of their values and how many products have one. "
        "`count` is the number of products matching every filter. With a category filter, only the attributes "
        "of that category (and those of every category) are listed.",
        responses={200: FacetsSerializer, 400: PRODUCT_BAD_REQUEST},
        examples=FACETS_EXAMPLES,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def facets(self, request):
        filterset = ProductFilter(request.query_params, queryset=None, request=request)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        conditions = attribute_selectors.attribute_conditions_parse(params=request.query_params)
        facets = attribute_selectors.product_facets(
            products=filterset.facet_base(selectors.product_list(user=None)),
            filters=filterset.facet_filters(conditions),
            category=filterset.facet_category(),
        )
        return Response(FacetsSerializer(facets).data)

    @extend_schema(
        summary="Set a product's attribute values (managers)",
        description="Replaces all of them. Unknown attributes, attributes of other categories and values of the "
        "wrong kind are a 400, and nothing changes.",
        request=ProductAttributesWriteSerializer,
        responses={200: ProductSerializer, 400: PRODUCT_BAD_REQUEST},
        examples=PRODUCT_ATTRIBUTES_EXAMPLES,
    )
    @action(detail=True, methods=["put"], url_path="attributes")
    def attributes(self, request, slug=None):
        product = self.get_object()
        serializer = ProductAttributesWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attribute_services.product_attributes_set(product=product, values=serializer.validated_data["attributes"])
        return Response(ProductSerializer(self.get_queryset().get(pk=product.pk)).data)

    def perform_create(self, serializer):
        serializer.instance = services.product_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            product=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.product_delete(product=instance)

    @extend_schema(
        operation_id="products_stock_movements",
        summary="A product's stock ledger (managers)",
        description="Every change of the product's stock, newest first: `delta`, `reason` (sale, cancel, expiry, "
        "restock_received, adjustment, return) and the order, restock order or person behind it. Filters: "
        "`reason`, `date_from`, `date_to` (days, inclusive). The stock is the sum of all deltas.",
        responses={200: StockMovementSerializer(many=True)},
        examples=STOCK_MOVEMENT_EXAMPLES,
        parameters=[
            OpenApiParameter("reason", str, enum=StockMovement.Reason.values),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="stock-movements",
        permission_classes=[IsManager],
        filter_backends=[],
        pagination_class=StandardPagination,
    )
    def stock_movements(self, request, slug: str):
        product = self.get_object()
        filterset = StockMovementFilter(request.query_params, queryset=stock_movement_list(product=product))
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(StockMovementSerializer(page, many=True).data)

    @extend_schema(
        operation_id="products_stock_adjust",
        summary="Change a product's stock by a difference (managers)",
        description="Adds `delta` (removes it when negative) to the stock as it is now, under the row lock every "
        "stock writer takes, and records it in the ledger with `reason` (`adjustment` or `return`) and `note`. "
        "A result below zero is 409 `insufficient_stock`; nothing changes.",
        request=StockAdjustmentSerializer,
        responses={201: StockAdjustmentResultSerializer, 409: STOCK_ADJUSTMENT_CONFLICT},
        examples=STOCK_ADJUSTMENT_EXAMPLES,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="stock-adjustments",
        permission_classes=[IsManager],
        filter_backends=[],
    )
    def stock_adjustments(self, request, slug: str):
        product = self.get_object()
        serializer = StockAdjustmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        movement = services.product_stock_move(product=product, actor=request.user, **serializer.validated_data)
        movement.stock = product.stock
        return Response(StockAdjustmentResultSerializer(movement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["POST"],
        operation_id="products_notify_me",
        summary="Email me when this product is back in stock (customers)",
        description="Subscribes to a sold-out product (201; 200 when already subscribed, and nothing changes). "
        "The one email goes out when the stock comes back, and closes the subscription. A product in stock is "
        "409 `product_in_stock`.",
        request=None,
        responses={201: None, 200: None, 409: PRODUCT_IN_STOCK},
    )
    @extend_schema(
        methods=["DELETE"],
        operation_id="products_notify_me_cancel",
        summary="Stop waiting for this product (customers)",
        description="Closes the caller's open back-in-stock subscription: 204, also when there was none.",
        request=None,
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["post", "delete"],
        url_path="notify-me",
        permission_classes=[IsCustomer],
        filter_backends=[],
    )
    def notify_me(self, request, slug: str):
        product = self.get_object()
        if request.method == "DELETE":
            back_in_stock.back_in_stock_unsubscribe(user=request.user, product=product)
            return Response(status=status.HTTP_204_NO_CONTENT)
        _, created = back_in_stock.back_in_stock_subscribe(user=request.user, product=product)
        return Response(status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
