"""The store's domain errors and their codes."""

from enum import StrEnum

from duka_app.errors import Conflict, DomainError, DuplicateValue, InvalidTransition, NotFound


class ErrorCode(StrEnum):
    CART_EMPTY = "cart_empty"
    CART_NOT_FOUND = "cart_not_found"
    CATEGORY_NOT_EMPTY = "category_not_empty"
    DOES_NOT_EXIST = "does_not_exist"
    IMAGE_CORRUPT = "image_corrupt"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    IMAGE_TYPE_UNSUPPORTED = "image_type_unsupported"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_STATUS_TRANSITION = "invalid_status_transition"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    QUANTITY_ABOVE_STOCK = "quantity_above_stock"
    STOCK_CHANGED = "stock_changed"
    STOCK_OUT_OF_RANGE = "stock_out_of_range"
    TOO_MANY_PENDING_ORDERS = "too_many_pending_orders"
    UNIQUE = "unique"
    WISHLIST_FULL = "wishlist_full"


class UniqueValueTaken(DuplicateValue):
    """A unique column (slug, SKU...) taken by a concurrent write; raised with the `field`."""

    code = ErrorCode.UNIQUE


class CategoryGone(DomainError):
    """The category given for a product was deleted meanwhile; raised with `field="category_id"`."""

    code = ErrorCode.DOES_NOT_EXIST
    default_detail = "The category does not exist."


class CategoryNotEmpty(Conflict):
    code = ErrorCode.CATEGORY_NOT_EMPTY
    default_detail = "This category still has products; move or delete them first."


class CartQuantityInvalid(DomainError):
    code = ErrorCode.QUANTITY_ABOVE_STOCK
    default_detail = "The requested quantity is not available."


class CartItemNotFound(NotFound):
    default_detail = "No such line in your cart."


class GuestCartNotFound(NotFound):
    """A cart token that opens no cart: malformed, unknown, expired or already merged all answer the same."""

    code = ErrorCode.CART_NOT_FOUND
    default_detail = "No guest cart with this token; it may have expired or been merged."


class CartEmpty(DomainError):
    code = ErrorCode.CART_EMPTY
    default_detail = "The cart is empty."


class InsufficientStock(Conflict):
    code = ErrorCode.INSUFFICIENT_STOCK
    default_detail = "Some products in the cart are not available in the requested quantity."


class StockChanged(Conflict):
    code = ErrorCode.STOCK_CHANGED
    default_detail = "The stock changed since you read it; nothing was changed. Check the current stock and retry."


class StockOutOfRange(DomainError):
    code = ErrorCode.STOCK_OUT_OF_RANGE
    default_detail = "The stock would be out of range."


class ProductNotFound(NotFound):
    default_detail = "No such product."


class ProductUnavailable(Conflict):
    code = ErrorCode.PRODUCT_UNAVAILABLE
    default_detail = "Some products in the cart are no longer for sale."


class InvalidStatusTransition(InvalidTransition):
    code = ErrorCode.INVALID_STATUS_TRANSITION
    default_detail = "The order cannot move to that status."


class TooManyPendingOrders(Conflict):
    """The customer holds as many pending orders as `MAX_PENDING_ORDERS_PER_CUSTOMER` allows; raised with `limit`."""

    code = ErrorCode.TOO_MANY_PENDING_ORDERS
    default_detail = "You have too many pending orders; pay for or cancel one before placing another."


class WishlistItemNotFound(NotFound):
    default_detail = "This product is not in your wishlist."


class WishlistFull(Conflict):
    """The wishlist holds `WISHLIST_MAX_ITEMS` products; raised with `limit`."""

    code = ErrorCode.WISHLIST_FULL
    default_detail = "Your wishlist is full; remove a product before saving another."


class ProductImageNotFound(NotFound):
    default_detail = "This product has no such image."


class ImageRejected(DomainError):
    """An upload that is not an image the store keeps: a 400 with the reason's code."""


class ImageTypeUnsupported(ImageRejected):
    code = ErrorCode.IMAGE_TYPE_UNSUPPORTED
    default_detail = "The file is not a JPEG, PNG or WebP image."


class ImageTooLarge(ImageRejected):
    """The file is above `MAX_IMAGE_MB`; raised with `limit_mb`."""

    code = ErrorCode.IMAGE_TOO_LARGE
    default_detail = "The file is too large."


class ImageTooManyPixels(ImageRejected):
    """The image has more pixels than `MAX_IMAGE_PIXELS`; raised with `limit_pixels`."""

    code = ErrorCode.IMAGE_TOO_MANY_PIXELS
    default_detail = "The image has too many pixels."


class ImageCorrupt(ImageRejected):
    code = ErrorCode.IMAGE_CORRUPT
    default_detail = "The image is damaged or incomplete and cannot be read."
