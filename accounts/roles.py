"""Who may do what: the one definition of the roles, for services, selectors, filters and permission classes.

Roles: anonymous, customer (`role="customer"`), manager (`role="manager"`, staff) and admin (superuser).
Admins may do everything a manager or a customer may. A role is held only by an active account: an inactive
user cannot log in, and one still holding a session or token when deactivated gets no role from it.
"""


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_customer(user) -> bool:
    """Customers and admins: the shoppers' operations (cart, checkout, own orders)."""
    return _active(user) and (user.is_superuser or user.role == "customer")


def is_manager(user) -> bool:
    """Managers and admins: the store's back office."""
    return _active(user) and (user.is_superuser or user.role == "manager")


def is_admin(user) -> bool:
    return _active(user) and user.is_superuser
