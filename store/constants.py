"""Limits of the store's values, shared by the API's validation, the admin and the services."""

# Primary keys are PostgreSQL bigints: a larger id cannot exist and is rejected before the database sees it.
MAX_ID = 2**63 - 1
# Stock and quantities are PostgreSQL integers.
MAX_STOCK = 2**31 - 1
MAX_QUANTITY = MAX_STOCK
# Ids longer than 18 digits cannot exist; the router answers 404 before the database sees them.
ID_PATTERN = r"\d{1,18}"
# Attribute and attribute value slugs: lower-case words joined by single hyphens, so that `attr_<slug>_min` reads
# one way only and a value list `a,b` splits one way only.
ATTRIBUTE_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
