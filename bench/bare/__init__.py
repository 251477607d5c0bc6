"""The bare floor of the catalog figures: the Django project a user would write to serve the catalog rows.

Its own settings and URLconf: no middleware, no DRF, none of Duka's apps; one app of two unmanaged models
over Duka's own tables (`store_category`, `store_product`), so it reads the same rows of the same database
as the API, through the same `bench.baseline` views (`values()` + `JsonResponse`). Installing `store` itself
would drag in the project (its models point at the user model, its app config at accounts' signals).
"""
