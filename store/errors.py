"""The store's domain errors and their codes."""

from enum import StrEnum

from duka_app.errors import Conflict, DomainError, DuplicateValue, Forbidden, InvalidTransition, NotFound


class ErrorCode(StrEnum):
    ATTRIBUTE_NOT_IN_CATEGORY = "attribute_not_in_category"
    ATTRIBUTE_VALUES_FIXED = "attribute_values_fixed"
    INVALID_ATTRIBUTE_FILTER = "invalid_attribute_filter"
    INVALID_ATTRIBUTE_VALUE = "invalid_attribute_value"
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
    NOT_ON_RESTOCK_ORDER = "not_on_restock_order"
    PRODUCT_IN_STOCK = "product_in_stock"
    PRODUCT_ON_RESTOCK_ORDER = "product_on_restock_order"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    QUANTITY_ABOVE_ORDERED = "quantity_above_ordered"
    QUANTITY_ABOVE_STOCK = "quantity_above_stock"
    REVIEW_EXISTS = "review_exists"
    REVIEW_NOT_ALLOWED = "review_not_allowed"
    STOCK_CHANGED = "stock_changed"
    STOCK_OUT_OF_RANGE = "stock_out_of_range"
    TOO_MANY_PENDING_ORDERS = "too_many_pending_orders"
    UNIQUE = "unique"
    UNKNOWN_ATTRIBUTE = "unknown_attribute"
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


class ProductOnRestockOrder(Conflict):
    code = ErrorCode.PRODUCT_ON_RESTOCK_ORDER
    default_detail = "This product is on restock orders, which keep it; deactivate it instead."


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


class InvalidRestockTransition(InvalidTransition):
    code = ErrorCode.INVALID_STATUS_TRANSITION
    default_detail = "The restock order cannot make that move."


class RestockLineUnknown(DomainError):
    """A receipt names a product the restock order does not have; raised with `field="lines"`."""

    code = ErrorCode.NOT_ON_RESTOCK_ORDER
    default_detail = "This product is not on the restock order."


class RestockQuantityAboveOrdered(DomainError):
    code = ErrorCode.QUANTITY_ABOVE_ORDERED
    default_detail = "More received than is still expected on the restock order."


class ProductInStock(Conflict):
    code = ErrorCode.PRODUCT_IN_STOCK
    default_detail = "This product is in stock; order it now."


class ReviewNotFound(NotFound):
    default_detail = "No such review of this product."


class ReviewNotAllowed(Forbidden):
    code = ErrorCode.REVIEW_NOT_ALLOWED
    default_detail = "Only customers who received this product (in a delivered order) may review it."


class ReviewExists(Conflict):
    """The customer reviewed this product already; raised with `review_id`."""

    code = ErrorCode.REVIEW_EXISTS
    default_detail = "You reviewed this product already; edit or delete that review instead."


class UnknownAttribute(DomainError):
    """A filter `attr_<slug>` or a product attribute naming no attribute; raised with the `parameter` or a `field`."""

    code = ErrorCode.UNKNOWN_ATTRIBUTE
    default_detail = "No attribute with this slug."


class InvalidAttributeFilter(DomainError):
    """A filter value that is no value of its attribute, or a malformed number; raised with the `parameter`."""

    code = ErrorCode.INVALID_ATTRIBUTE_FILTER
    default_detail = "This attribute filter is not valid."


class InvalidAttributeValue(DomainError):
    """A product attribute value of the wrong kind or unknown to its attribute; raised with `field`."""

    code = ErrorCode.INVALID_ATTRIBUTE_VALUE
    default_detail = "This value is not valid for the attribute."


class AttributeNotInCategory(DomainError):
    code = ErrorCode.ATTRIBUTE_NOT_IN_CATEGORY
    default_detail = "This attribute does not apply to the product's category."


class AttributeValuesFixed(DomainError):
    """The values of a boolean attribute are `true` and `false`, made with it: none can be added or removed."""

    code = ErrorCode.ATTRIBUTE_VALUES_FIXED
    default_detail = "A boolean attribute's values are true and false; they cannot be changed."


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
