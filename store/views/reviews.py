from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from accounts.permissions import IsCustomer, IsManager
from duka_app.api.filters import FilterBackend
from store.constants import ID_PATTERN
from store.errors import ReviewNotFound
from store.filters import ReviewFilter
from store.models import Review
from store.schema import REVIEW_CREATE_FORBIDDEN, REVIEW_EXAMPLES, REVIEW_EXISTS, REVIEW_NOT_FOUND
from store.selectors import catalog as catalog_selectors
from store.selectors import reviews as selectors
from store.serializers.reviews import ReviewSerializer
from store.services import reviews as services
from store.views.cached import CatalogCachedReads


class IsReviewAuthor(BasePermission):
    """The author changes or deletes their review; managers and admins only hide it."""

    message = "Only the author of a review can change it."

    def has_object_permission(self, request, view, review: Review) -> bool:
        return request.method in SAFE_METHODS or review.user_id == request.user.pk


@extend_schema_view(
    list=extend_schema(
        summary="A product's reviews",
        description="Newest first unless `ordering` says otherwise; hidden reviews only for managers and admins.",
        examples=REVIEW_EXAMPLES,
    ),
    retrieve=extend_schema(
        summary="One review", responses={200: ReviewSerializer, 404: REVIEW_NOT_FOUND}, examples=REVIEW_EXAMPLES
    ),
    partial_update=extend_schema(
        summary="Change your review",
        description="The author only; the product's rating follows in the same transaction.",
        examples=REVIEW_EXAMPLES,
    ),
    destroy=extend_schema(summary="Delete your review", description="The author only."),
)
@extend_schema(
    tags=["catalog"],
    parameters=[OpenApiParameter("product_slug", str, OpenApiParameter.PATH, description="The product's slug.")],
)
class ReviewViewSet(
    CatalogCachedReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Reviews of a product: anyone reads, customers who received it write one, managers hide."""

    serializer_class = ReviewSerializer
    filter_backends = [FilterBackend]
    filterset_class = ReviewFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = ID_PATTERN

    def get_permissions(self):
        if self.action == "create":
            return [IsCustomer()]
        if self.action in ("hide", "unhide"):
            return [IsManager()]
        if self.action in ("partial_update", "destroy"):
            return [IsCustomer(), IsReviewAuthor()]
        return []

    def get_product(self):
        if not hasattr(self, "_product"):
            products = catalog_selectors.product_list(user=self.request.user)
            self._product = get_object_or_404(products, slug=self.kwargs["product_slug"])
        return self._product

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a product
            return Review.objects.none()
        return selectors.review_list(product=self.get_product(), user=self.request.user)

    def get_object(self) -> Review:
        review = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if review is None:
            raise ReviewNotFound()
        self.check_object_permissions(self.request, review)
        review.product = self.get_product()
        return review

    @extend_schema(
        summary="Review a product you received",
        description="One review per customer and product, by customers with a delivered order holding it.",
        responses={201: ReviewSerializer, 403: REVIEW_CREATE_FORBIDDEN, 409: REVIEW_EXISTS},
        examples=REVIEW_EXAMPLES,
    )
    def create(self, request, product_slug: str):
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_create(user=request.user, product=self.get_product(), **serializer.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.review_update(review=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: Review) -> None:
        services.review_delete(review=instance)

    def _set_hidden(self, request, is_hidden: bool) -> Response:
        review = services.review_hidden_set(review=self.get_object(), is_hidden=is_hidden, by=request.user)
        return Response(ReviewSerializer(review).data)

    @extend_schema(
        summary="Hide a review (managers)",
        description="It leaves the public list and the product's rating; hiding a hidden review changes nothing.",
        request=None,
        responses={200: ReviewSerializer, 404: REVIEW_NOT_FOUND},
        examples=REVIEW_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, product_slug: str, pk: str):
        return self._set_hidden(request, True)

    @extend_schema(
        summary="Show a hidden review again (managers)",
        request=None,
        responses={200: ReviewSerializer, 404: REVIEW_NOT_FOUND},
        examples=REVIEW_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def unhide(self, request, product_slug: str, pk: str):
        return self._set_hidden(request, False)
