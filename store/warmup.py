"""The catalog's share of warming a web process before it serves (`duka_app.web_workers`)."""

from django.contrib.auth.models import AnonymousUser

from store.selectors.catalog import CatalogPages, catalog_statements_compile, product_card
from store.serializers.catalog import product_card_representation

__all__ = ["catalog_reads_warm", "catalog_statements_compile"]


def catalog_reads_warm() -> None:
    """One page of the list and one detail lookup as an anonymous visitor, answered as the views answer them: the
    first ones of a database connection wait for PostgreSQL to load the catalog tables' metadata, and the first
    representation sets up the media storage and the time zone."""
    visitor = AnonymousUser()
    for row in CatalogPages(user=visitor).rows(0, 1):
        product_card_representation(row[:-1])
    product_card(user=visitor, slug="")
