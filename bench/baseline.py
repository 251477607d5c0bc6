"""The yardstick of the catalog figures: bare Django views serving the same rows as the API.

No DRF, no serializer: a `values()` query and a `JsonResponse`. They accept the list filters the
benchmark uses (`category`, `min_price`, `max_price`, `search`, `page`, `page_size`) and return the same
page shape (`count` and `results`), so the API has to beat 0.6× of this on the same database. The URLconf
passes the product model (`products`): `store`'s inside Duka's project (`bench.urls`), the unmanaged
one over the same table in the bare floor (`bench.bare`).
"""

import os

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Model
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse

PRODUCT_FIELDS = (
    "id",
    "name",
    "slug",
    "sku",
    "description",
    "price",
    "discount_price",
    "stock",
    "is_active",
    "category_id",
    "category__name",
    "category__slug",
    "created_at",
    "updated_at",
)
SEARCH_CONFIG = os.environ.get("BENCH_SEARCH_CONFIG", "english")
MAX_PAGE_SIZE = 100


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


def _active_products(products: type[Model]):
    return products.objects.filter(is_active=True).annotate(final_price=Coalesce("discount_price", "price"))


def _positive_int(value: str | None, default: int) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        return default
    return max(number, 1)


def product_list(request, products: type[Model]):
    params = request.GET
    queryset = _active_products(products)
    if params.get("category"):
        queryset = queryset.filter(category_id=params["category"])
    if params.get("min_price"):
        queryset = queryset.filter(final_price__gte=params["min_price"])
    if params.get("max_price"):
        queryset = queryset.filter(final_price__lte=params["max_price"])
    if params.get("search"):
        query = SearchQuery(params["search"], config=SEARCH_CONFIG, search_type="websearch")
        queryset = (
            queryset.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-created_at", "-id")
        )
    page_size = min(_positive_int(params.get("page_size"), 20), MAX_PAGE_SIZE)
    offset = (_positive_int(params.get("page"), 1) - 1) * page_size
    rows = list(queryset.values(*PRODUCT_FIELDS, "final_price")[offset : offset + page_size])
    return JsonResponse({"count": queryset.count(), "results": rows})


def product_detail(request, slug: str, products: type[Model]):
    row = _active_products(products).filter(slug=slug).values(*PRODUCT_FIELDS, "final_price").first()
    if row is None:
        raise Http404
    return JsonResponse(row)
