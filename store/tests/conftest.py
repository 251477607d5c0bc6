import pytest

ROLES = ["anonymous", "customer", "manager", "admin"]
ROLE_FIXTURES = {"customer": "customer", "manager": "manager", "admin": "admin_user"}


@pytest.fixture
def client_as(request, client_for):
    """`client_as("manager")` is an API client for that role ("anonymous", "customer", "manager" or "admin")."""

    def make(role: str):
        user = request.getfixturevalue(ROLE_FIXTURES[role]) if role != "anonymous" else None
        return client_for(user)

    return make
