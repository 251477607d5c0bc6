"""Catalog reads answered from the catalog response cache (`store.catalog_cache`), with ETags and 304s.

The cache sits in the view, after the middleware (the blacklist and the request log see every request) and
after authentication, permissions and throttling, so a cached answer is refused exactly as a fresh one would be.
Customers and anonymous visitors read the same catalog (no product, category or review field depends on who
asks), so they share entries; managers and admins see inactive products and hidden reviews, and read the
database every time. Every answer of a cached action carries an ETag, cached or not, and a matching
`If-None-Match` is answered 304 without a body.

The view is the only writer of entries. Anonymous hits are mostly answered before it, by
`store.middleware.CatalogCacheHitMiddleware`, from the entries it stored and with the same headers
(`store.catalog_answers`).
"""

from django.conf import settings
from django.utils.cache import get_conditional_response
from rest_framework.response import Response

from accounts.roles import is_manager
from duka_app.db_routing import primary_reads
from store.catalog_answers import READ_METHODS, UNCACHED_PARAMETERS, cached_answer_response, catalog_cache_headers_set
from store.catalog_cache import CachedAnswer, answer_key, answer_lookup, answer_set, etag_of


class _AnswerCached(Exception):
    """Raised by `initial` on a hit: it skips the handler, and `handle_exception` answers with the entry."""

    def __init__(self, answer: CachedAnswer) -> None:
        self.answer = answer


class CatalogCachedReads:
    """A ViewSet mixin: the actions in `cached_actions` are answered from the cache when they can be."""

    cached_actions: frozenset[str] = frozenset({"list", "retrieve"})
    # Query parameters beyond the filterset's and the paginator's that still make an answer worth storing.
    cached_parameter_prefixes: tuple[str, ...] = ()

    def _is_cached_read(self, request) -> bool:
        return self.action in self.cached_actions and request.method in READ_METHODS

    def _cacheable_query(self, request) -> bool:
        """Only the parameters the view knows, and no search: an unknown parameter would make a new entry for the
        same answer, so random ones could fill Redis."""
        filterset = getattr(self, "filterset_class", None)
        known = set(filterset.base_filters) if filterset is not None else set()
        if self.paginator is not None:
            known |= {self.paginator.page_query_param, getattr(self.paginator, "page_size_query_param", None)}
        known -= UNCACHED_PARAMETERS
        return all(
            name in known or (self.cached_parameter_prefixes and name.startswith(self.cached_parameter_prefixes))
            for name in request.query_params
        )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.answer_key = self.answer_version = None
        if not (
            settings.CATALOG_CACHE_ENABLED
            and self._is_cached_read(request)
            and request.accepted_renderer.format == "json"
            and not is_manager(request.user)
            and self._cacheable_query(request)
        ):
            return
        key = answer_key(
            url=request.build_absolute_uri(request.path),
            query_string=request.META.get("QUERY_STRING", ""),
            media_type=request.accepted_media_type,
        )
        version, answer = self._lookup(request, key)
        if answer is not None:
            raise _AnswerCached(answer)
        if version is not None:  # None: the cache is unreachable, answer from the database
            self.answer_key, self.answer_version = key, version
            primary_reads()  # what is stored under this version must show every write before it

    @staticmethod
    def _lookup(request, key: str) -> tuple[str | None, CachedAnswer | None]:
        """The hit path's lookup of this request when it missed this key, else one of the view's own."""
        missed = getattr(request, "catalog_answer_missed", None)
        if missed is not None and missed.key == key:
            return missed.version, None
        return answer_lookup(key)

    def handle_exception(self, exc):
        if isinstance(exc, _AnswerCached):
            return cached_answer_response(exc.answer)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if not self._is_cached_read(request) or response.status_code != 200:
            return response
        if isinstance(response, Response):
            response.render()
            response["ETag"] = etag_of(response.content)
            if getattr(self, "answer_key", None):  # a miss the cache could take
                answer_set(
                    self.answer_key,
                    CachedAnswer(
                        version=self.answer_version,
                        etag=response["ETag"],
                        content_type=response["Content-Type"],
                        body=response.content,
                        allow=response.get("Allow", ""),
                    ),
                )
        catalog_cache_headers_set(response, is_authenticated=request.user.is_authenticated)
        return get_conditional_response(request, etag=response["ETag"], response=response)
