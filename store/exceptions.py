from duka_app.errors import Conflict, DomainError, InvalidTransition, NotFound


class CategoryNotEmpty(Conflict):
    code = "category_not_empty"
    default_detail = "This category still has products; move or delete them first."


class CartQuantityInvalid(DomainError):
    code = "quantity_above_stock"
    default_detail = "The requested quantity is not available."


class CartItemNotFound(NotFound):
    default_detail = "No such line in your cart."


class CartEmpty(DomainError):
    code = "cart_empty"
    default_detail = "The cart is empty."


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    default_detail = "Some products in the cart are not available in the requested quantity."


class StockChanged(Conflict):
    code = "stock_changed"
    default_detail = "The stock changed since you read it; nothing was changed. Check the current stock and retry."


class StockOutOfRange(DomainError):
    code = "stock_out_of_range"
    default_detail = "The stock would be out of range."


class ProductNotFound(NotFound):
    default_detail = "No such product."


class ProductUnavailable(Conflict):
    code = "product_unavailable"
    default_detail = "Some products in the cart are no longer for sale."


class InvalidStatusTransition(InvalidTransition):
    code = "invalid_status_transition"
    default_detail = "The order cannot move to that status."
