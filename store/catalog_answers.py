"""Cached catalog answers as HTTP responses, with the caching headers every catalog read carries: shared by the view
(`store.views.cached`) and the hit path (`store.middleware`), so that both answer alike."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from store.catalog_cache import CachedAnswer

READ_METHODS = ("GET", "HEAD")
# Each search term is a query of its own: storing every one would let anyone fill Redis, and a repeat is rare.
UNCACHED_PARAMETERS = frozenset({"search"})


def cached_answer_response(answer: CachedAnswer) -> HttpResponse:
    response = HttpResponse(answer.body, content_type=answer.content_type)
    response["ETag"] = answer.etag
    if answer.allow:
        response["Allow"] = answer.allow
    return response


def catalog_cache_headers_set(response: HttpResponse, *, is_authenticated: bool) -> None:
    """Anonymous answers may be kept by browsers and shared caches for a few seconds; a signed-in client's only
    by its browser, revalidated each time. `Vary` keeps a shared cache from handing one to the other."""
    if is_authenticated:
        response["Cache-Control"] = "private, no-cache"
    else:
        response["Cache-Control"] = (
            f"public, max-age={settings.CATALOG_CACHE_MAX_AGE_SECONDS}, "
            f"stale-while-revalidate={settings.CATALOG_CACHE_STALE_WHILE_REVALIDATE_SECONDS}"
        )
    patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
