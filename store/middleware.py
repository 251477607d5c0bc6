"""The catalog's hit path: anonymous catalog reads answered from the catalog response cache before DRF.

Through the view, a hit still pays for the rest of the middleware stack, URL resolution, DRF's authentication,
permissions and content negotiation: most of the request, for an answer that is one Redis read. This middleware
answers it sooner, listed after `RequestSecurityMiddleware` (the blacklist refuses a hit, the request log records
it) and after CORS (cross-origin storefronts get their headers). It answers only a request that is
- a GET or HEAD under the catalog's cached routes, with no `Authorization` header and no session cookie:
  anonymous. Anyone else, a manager too, goes to the view, which knows who they are;
- with a plain `Accept` (absent, `*/*`, `application/json`): DRF renders those as the JSON entry it stored;
- of a URL the view stored an answer for, under the current catalog version.

The view (`store.views.cached.CatalogCachedReads`) stays the only writer of entries, keyed by host, path,
normalised query and media type, and it stores only the answers of queries it accepts: this path needs to know
nothing of a view's parameters, since a URL with a bad or unknown one has no entry. On a miss it hands the view
the key and the version it read (`request.catalog_answer_missed`), so that the view does not read them again. No
throttle applies to anonymous catalog reads (a test holds the cached views to that), so answering before DRF
bypasses none. Redis unreachable: the lookup finds nothing and the view answers from the database.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.utils.cache import get_conditional_response

from store.catalog_answers import READ_METHODS, UNCACHED_PARAMETERS, cached_answer_response, catalog_cache_headers_set
from store.catalog_cache import AnswerMissed, CachedAnswer, answer_key, answer_lookup

# Where the views with `CatalogCachedReads` are routed (store/urls.py); a test holds every such route to these.
CATALOG_PATH_PREFIXES = ("/api/products/", "/api/categories/")
# A missing Accept means */*; a present but empty one is left to the view (DRF answers it 406).
PLAIN_ACCEPTS = frozenset({"*/*", "application/json"})
# The media type DRF negotiates for a plain Accept: the project's JSON renderer's.
JSON_MEDIA_TYPE = "application/json"


class CatalogCacheHitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        # The middleware after this one that change every answer's headers (Content-Length, X-Frame-Options);
        # a hit gets the same headers as the view's answer.
        self.skipped_response_steps = (
            CommonMiddleware(get_response).process_response,
            XFrameOptionsMiddleware(get_response).process_response,
        )

    def __call__(self, request):
        answer = self._stored_answer(request)
        if answer is None:
            return self.get_response(request)
        response = cached_answer_response(answer)
        catalog_cache_headers_set(response, is_authenticated=False)
        response = get_conditional_response(request, etag=answer.etag, response=response)
        for step in self.skipped_response_steps:
            response = step(request, response)
        return response

    @staticmethod
    def _stored_answer(request) -> CachedAnswer | None:
        if not (
            settings.CATALOG_CACHE_ENABLED
            and request.method in READ_METHODS
            and request.path.startswith(CATALOG_PATH_PREFIXES)
            and "HTTP_AUTHORIZATION" not in request.META
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not UNCACHED_PARAMETERS.intersection(request.GET)
            and request.META.get("HTTP_ACCEPT", "*/*") in PLAIN_ACCEPTS
        ):
            return None
        try:
            url = request.build_absolute_uri(request.path)
        except DisallowedHost:
            return None  # the view answers it with the usual 400
        key = answer_key(url=url, query_string=request.META.get("QUERY_STRING", ""), media_type=JSON_MEDIA_TYPE)
        version, answer = answer_lookup(key)
        if answer is None:
            request.catalog_answer_missed = AnswerMissed(key=key, version=version)
        return answer
