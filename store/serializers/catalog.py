from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urljoin

import orjson
from django.core.files.storage import FileSystemStorage, storages
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from store.constants import MAX_STOCK
from store.models import Category, Product, ProductImage
from store.serializers.attributes import (
    ProductAttributeValueSerializer,
    attribute_representation,
    product_attribute_representation,
)
from store.serializers.fields import money_field

MIN_PRICE = Decimal("0.01")
# Written out by hand in `ProductSerializer.to_representation`, as the declared money fields would write it.
MONEY = money_field()
RATING = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)


def timestamp_text(value: datetime, tz) -> str:
    """A time as DRF's `DateTimeField` writes it: ISO 8601 in the current time zone, UTC as `Z`."""
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        max_length=100,
        validators=[UniqueValidator(Category.objects.all(), "A category with this name already exists.", "iexact")],
    )
    slug = serializers.SlugField(
        max_length=120,
        required=False,
        help_text="Generated from the name when absent; kept when the name changes.",
        validators=[UniqueValidator(Category.objects.all(), "A category with this slug already exists.")],
    )
    product_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "product_count", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]
        read_only_fields = fields


def media_url_function() -> Callable[[str], str]:
    """`default_storage.url`; for the file system storage, the same URLs without `urljoin` where it changes nothing.

    `FileSystemStorage.url` quotes the name, then resolves it against MEDIA_URL with `urljoin`, which parses
    both each time: 80 calls on a catalog page of 20 products with renditions, a quarter of the list's
    time. A quoted name holds only letters, digits and `_.-~/!*()'%`: joined to a base that ends with "/",
    `urljoin` changes it only where it has an empty, "." or ".." segment, and those names still go through it.
    """
    storage = storages["default"]
    if type(storage) is not FileSystemStorage or storage.base_url is None:
        return storage.url
    base = storage.base_url
    if not _joins_plainly(base):
        return storage.url

    def url(name: str) -> str:
        path = filepath_to_uri(name).lstrip("/")
        segments = f"/{path}/"
        if "//" in segments or "/./" in segments or "/../" in segments:
            return urljoin(base, path)
        return base + path

    return url


@lru_cache(maxsize=16)
def _joins_plainly(base: str) -> bool:
    return urljoin(base, "name") == f"{base}name"


def image_representation(image: ProductImage) -> dict:
    return image_fields_representation(
        media_url_function(),
        image.id,
        image.file.name,
        image.width,
        image.height,
        image.alt_text,
        image.position,
        image.renditions,
    )


def image_fields_representation(
    url: Callable[[str], str],
    image_id: int,
    name: str,
    width: int,
    height: int,
    alt_text: str,
    position: int,
    renditions: dict,
) -> dict:
    """An image as the API writes it; `url` is `media_url_function()`, looked up once for many images."""
    return {
        "id": image_id,
        "url": url(name),
        "width": width,
        "height": height,
        "alt_text": alt_text,
        "position": position,
        "renditions": [
            {"url": url(rendition["name"]), "width": rendition["width"], "height": rendition["height"]}
            for rendition in sorted(renditions.values(), key=lambda rendition: rendition["width"])
        ],
    }


class RenditionSerializer(serializers.Serializer):
    url = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)


class ProductImageSerializer(serializers.ModelSerializer):
    """An image as the catalog shows it: its URL and size, and its WebP renditions (narrowest first) once made."""

    url = serializers.CharField(read_only=True, help_text="The original (re-encoded, without metadata).")
    renditions = RenditionSerializer(
        many=True, read_only=True, help_text="WebP copies 200, 600 and 1200 px wide (none wider than the original)."
    )

    class Meta:
        model = ProductImage
        fields = ["id", "url", "width", "height", "alt_text", "position", "renditions"]
        read_only_fields = ["id", "width", "height"]

    def to_representation(self, image: ProductImage) -> dict:
        return image_representation(image)


class ProductImageUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, help_text="A JPEG, PNG or WebP image of at most MAX_IMAGE_MB.")
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    position = serializers.IntegerField(
        min_value=0,
        max_value=32767,
        required=False,
        help_text="Lowest first; the first is the primary image. Last when absent.",
    )


class ProductImageUpdateSerializer(serializers.Serializer):
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class ProductSerializer(serializers.ModelSerializer):
    """Products: the category nested on read, `category_id` on write; money as strings with two decimals."""

    slug = serializers.SlugField(
        max_length=220,
        required=False,
        help_text="Generated from the name when absent; kept when the name changes.",
        validators=[UniqueValidator(Product.objects.all(), "A product with this slug already exists.")],
    )
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=MIN_PRICE)
    discount_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=MIN_PRICE, required=False, allow_null=True
    )
    final_price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    expected_stock = serializers.IntegerField(
        min_value=0,
        max_value=MAX_STOCK,
        required=False,
        write_only=True,
        help_text="Required with `stock` when changing a product: the stock you last read. If the stock is "
        "no longer that (customers bought meanwhile), the update is a 409 `stock_changed` with the current "
        "`stock` and nothing changes; otherwise the difference is applied. Ignored on create.",
    )
    in_stock = serializers.BooleanField(read_only=True)
    rating_average = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        read_only=True,
        help_text="The mean rating of the visible reviews, 0.00 without any; kept current with every review change.",
    )
    rating_count = serializers.IntegerField(read_only=True, help_text="How many visible reviews the product has.")
    category = CategorySummarySerializer(read_only=True)
    images = ProductImageSerializer(many=True, read_only=True, help_text="The primary image first.")
    category_id = serializers.PrimaryKeyRelatedField(
        source="category", queryset=Category.objects.all(), write_only=True
    )
    attributes = ProductAttributeValueSerializer(
        source="attribute_values",
        many=True,
        read_only=True,
        help_text="Set with PUT /api/products/{slug}/attributes/.",
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "sku",
            "description",
            "price",
            "discount_price",
            "final_price",
            "stock",
            "expected_stock",
            "in_stock",
            "is_active",
            "category",
            "category_id",
            "rating_average",
            "rating_count",
            "attributes",
            "images",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "rating_average", "rating_count", "created_at", "updated_at"]
        extra_kwargs = {
            "sku": {"validators": [UniqueValidator(Product.objects.all(), "A product with this SKU already exists.")]},
        }

    def to_representation(self, product: Product) -> dict:
        """The declared read fields, written out directly.

        Every row of every catalog page passes through here, and DRF's generic path (building the field
        objects for each request, then one `get_attribute` and `to_representation` per field and row)
        cost more than the page's SQL. The result is the same, field for field: a test compares it
        with `ModelSerializer.to_representation` for products of every shape.
        """
        category, discount = product.category, product.discount_price
        tz = timezone.get_current_timezone()
        return {
            "id": product.id,
            "name": product.name,
            "slug": product.slug,
            "sku": product.sku,
            "description": product.description,
            "price": MONEY.to_representation(product.price),
            "discount_price": None if discount is None else MONEY.to_representation(discount),
            "final_price": MONEY.to_representation(product.final_price),
            "stock": product.stock,
            "in_stock": product.in_stock,
            "is_active": product.is_active,
            "category": {"id": category.id, "name": category.name, "slug": category.slug},
            "rating_average": RATING.to_representation(product.rating_average),
            "rating_count": product.rating_count,
            "attributes": [product_attribute_representation(row) for row in product.attribute_values.all()],
            "images": [image_representation(image) for image in product.images.all()],
            "created_at": timestamp_text(product.created_at, tz),
            "updated_at": timestamp_text(product.updated_at, tz),
        }

    def validate(self, attrs: dict) -> dict:
        if self.instance is None or "stock" not in attrs:
            attrs.pop("expected_stock", None)
        elif "expected_stock" not in attrs:
            raise serializers.ValidationError(
                {"expected_stock": ["Required with stock: the stock you last read, so that no sale is overwritten."]}
            )
        # On PATCH only one of the two prices may be sent: compare it with the stored other one.
        price = attrs.get("price", getattr(self.instance, "price", None))
        discount_price = attrs.get("discount_price", getattr(self.instance, "discount_price", None))
        if price is not None and discount_price is not None and discount_price >= price:
            field = "discount_price" if "discount_price" in attrs else "price"
            raise serializers.ValidationError(
                {field: [f"The discount price ({discount_price}) must be lower than the price ({price})."]}
            )
        return attrs


def product_card_representation(row: tuple) -> dict:
    """A product as `ProductSerializer` writes it, from a row of `selectors.catalog.product_cards`.

    The catalog's list and detail answer through here: no model instances, one query a page. A test holds
    the two equal for products of every shape and every role.
    """
    (
        product_id,
        name,
        slug,
        sku,
        description,
        price,
        discount,
        stock,
        is_active,
        category_id,
        category_name,
        category_slug,
        rating_average,
        rating_count,
        created_at,
        updated_at,
        images_json,
        attributes_json,
        *_,
    ) = row
    tz, url = timezone.get_current_timezone(), media_url_function()
    return {
        "id": product_id,
        "name": name,
        "slug": slug,
        "sku": sku,
        "description": description,
        "price": MONEY.to_representation(price),
        "discount_price": None if discount is None else MONEY.to_representation(discount),
        "final_price": MONEY.to_representation(price if discount is None else discount),
        "stock": stock,
        "in_stock": stock > 0,
        "is_active": is_active,
        "category": {"id": category_id, "name": category_name, "slug": category_slug},
        "rating_average": RATING.to_representation(rating_average),
        "rating_count": rating_count,
        "attributes": [
            attribute_representation(
                slug=attribute_slug,
                name=attribute_name,
                kind=kind,
                value_slug=value_slug,
                value_label=value_label,
                number=None if number is None else Decimal(number),
            )
            for attribute_slug, attribute_name, kind, value_slug, value_label, number in orjson.loads(attributes_json)
        ],
        "images": [image_fields_representation(url, *image) for image in orjson.loads(images_json)],
        "created_at": timestamp_text(created_at, tz),
        "updated_at": timestamp_text(updated_at, tz),
    }
