"""The roles of accounts/roles.py as DRF permission classes, for every app's views."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.roles import is_admin, is_customer, is_manager


class IsCustomer(BasePermission):
    """Customers and admins: the shoppers' endpoints (cart, checkout, own orders)."""

    message = "Only customers can do this."

    def has_permission(self, request, view) -> bool:
        return is_customer(request.user)


class IsManager(BasePermission):
    """Managers and admins."""

    message = "Only store managers can do this."

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)


class IsAdmin(BasePermission):
    message = "Only administrators can do this."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class ReadOnlyOrManager(BasePermission):
    """Anyone reads; managers and admins write."""

    message = "Only store managers can change the catalog."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_manager(request.user)
