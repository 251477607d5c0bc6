"""Role-based permissions shared by every app.

Roles: anonymous, customer, manager (`role="manager"`, staff) and admin (superuser). Admins may do
everything a manager or a customer may.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def is_manager_or_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == "manager"))


class IsCustomer(BasePermission):
    """Customers and admins: the shoppers' endpoints (cart, checkout, own orders)."""

    message = "Only customers can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or user.role == "customer"))


class IsManager(BasePermission):
    """Managers and admins."""

    message = "Only store managers can do this."

    def has_permission(self, request, view) -> bool:
        return is_manager_or_admin(request.user)


class IsAdmin(BasePermission):
    message = "Only administrators can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_superuser)


class ReadOnlyOrManager(BasePermission):
    """Anyone reads; managers and admins write."""

    message = "Only store managers can change the catalog."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_manager_or_admin(request.user)
