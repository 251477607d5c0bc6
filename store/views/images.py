from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.permissions import ReadOnlyOrManager
from store.errors import ProductImageNotFound, ProductNotFound
from store.schema import (
    IMAGE_REJECTED,
    PRODUCT_IMAGE_EXAMPLES,
    PRODUCT_IMAGE_UPDATE_EXAMPLES,
    PRODUCT_IMAGE_UPLOAD_EXAMPLES,
)
from store.selectors import catalog as selectors
from store.serializers.catalog import (
    ProductImageSerializer,
    ProductImageUpdateSerializer,
    ProductImageUploadSerializer,
)
from store.services import images as services

PRODUCT_SLUG = OpenApiParameter("product_slug", str, OpenApiParameter.PATH, description="The product's slug.")


@extend_schema_view(
    list=extend_schema(summary="A product's images, the primary first", examples=PRODUCT_IMAGE_EXAMPLES),
    create=extend_schema(
        summary="Add an image to a product (managers)",
        description="Multipart upload. The file is judged by its content (JPEG, PNG or WebP), re-encoded without "
        "its metadata (EXIF) and stored; WebP renditions 200, 600 and 1200 px wide follow shortly, made by a "
        "background job (an image lists them once made).",
        request={"multipart/form-data": ProductImageUploadSerializer},
        responses={201: ProductImageSerializer, 400: IMAGE_REJECTED},
        examples=PRODUCT_IMAGE_UPLOAD_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Reorder an image or edit its alt text (managers)",
        request=ProductImageUpdateSerializer,
        responses={200: ProductImageSerializer},
        examples=PRODUCT_IMAGE_UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(summary="Delete an image and its files (managers)"),
)
@extend_schema(tags=["catalog"], parameters=[PRODUCT_SLUG])
class ProductImageViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The images of a product seen by the caller: anyone reads; managers and admins add, edit and delete."""

    serializer_class = ProductImageSerializer
    permission_classes = [ReadOnlyOrManager]
    parser_classes = [MultiPartParser, JSONParser]
    pagination_class = None
    lookup_value_regex = r"[0-9]{1,18}"

    def product(self):
        product = selectors.product_list(user=self.request.user).filter(slug=self.kwargs["product_slug"]).first()
        if product is None:
            raise ProductNotFound()
        return product

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, without a product in the path
            return selectors.product_images().none()
        return selectors.product_images().filter(product=self.product())

    def get_object(self):
        image = selectors.product_image_get(product=self.product(), image_id=int(self.kwargs["pk"]))
        if image is None:
            raise ProductImageNotFound()
        return image

    def create(self, request, *args, **kwargs):
        product = self.product()
        upload = ProductImageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data.pop("file")
        image = services.product_image_add(product=product, file=file, size=file.size, **upload.validated_data)
        return Response(ProductImageSerializer(image).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        image = self.get_object()
        changes = ProductImageUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        image = services.product_image_update(image=image, **changes.validated_data)
        return Response(ProductImageSerializer(image).data)

    def perform_destroy(self, instance):
        services.product_image_delete(image=instance)
