"""Query filters for the catalog lists. Every value is validated by a form field: bad input is a 400."""

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES

from accounts.roles import is_manager
from duka_app.api.filters import FilterSet
from store.constants import MAX_ID
from store.models import Category, Order, Product, RestockOrder, Review, StockMovement
from store.selectors.attributes import AttributeCondition, FacetFilters

MAX_SEARCH_LENGTH = 200
SEARCH_CONFIG = "english"


class StrictBooleanField(forms.Field):
    """`true`/`false` (or `1`/`0`); anything else is an error instead of being silently ignored."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}
    default_error_messages = {"invalid": "Enter true or false."}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


class IdFilter(filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class OrderingChoiceFilter(filters.ChoiceFilter):
    """`?ordering=<name>` from a fixed map of names to ORDER BY terms (with the id as tie-breaker)."""

    def __init__(self, *args, orderings: dict[str, tuple[str, ...]], **kwargs):
        self.orderings = orderings
        super().__init__(*args, choices=[(name, name) for name in orderings], **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.order_by(*self.orderings[value]) if value else qs


class CategoryFilter(FilterSet):
    search = filters.CharFilter(method="filter_search", max_length=MAX_SEARCH_LENGTH, label="Name or description")
    ordering = OrderingChoiceFilter(
        orderings={
            "name": ("name", "id"),
            "-name": ("-name", "-id"),
            "created_at": ("created_at", "id"),
            "-created_at": ("-created_at", "-id"),
        },
    )

    class Meta:
        model = Category
        fields = []

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(Q(name__icontains=value) | Q(description__icontains=value))


class ProductFilter(FilterSet):
    """Product list filters. `search` ranks by relevance unless an explicit `ordering` is given.

    Prices filter and order on the final price (the discount price when set), which is what a shopper
    sees and pays; the `final_price_amount` alias matches the database's expression index.
    """

    category = IdFilter(field_name="category_id", label="Category id")
    category_slug = filters.CharFilter(field_name="category__slug", max_length=120)
    min_price = filters.NumberFilter(
        field_name="final_price_amount", lookup_expr="gte", min_value=0, max_digits=12, decimal_places=2
    )
    max_price = filters.NumberFilter(
        field_name="final_price_amount", lookup_expr="lte", min_value=0, max_digits=12, decimal_places=2
    )
    in_stock = StrictBooleanFilter(method="filter_in_stock")
    is_active = StrictBooleanFilter(method="filter_is_active", label="Active (managers and admins; ignored otherwise)")
    search = filters.CharFilter(
        method="filter_search",
        max_length=MAX_SEARCH_LENGTH,
        label="Full-text search over name, SKU, category name and description",
    )
    ordering = OrderingChoiceFilter(
        orderings={
            "price": ("final_price_amount", "id"),
            "-price": ("-final_price_amount", "-id"),
            "name": ("name", "id"),
            "-name": ("-name", "-id"),
            "created_at": ("created_at", "id"),
            "-created_at": ("-created_at", "-id"),
            "stock": ("stock", "id"),
            "-stock": ("-stock", "-id"),
            "rating": ("rating_average", "rating_count", "id"),
            "-rating": ("-rating_average", "-rating_count", "-id"),
        },
    )

    class Meta:
        model = Product
        fields = []

    # The filters facets count by; the rest narrow every count, as `facet_base` applies them.
    FACETED = frozenset({"category", "category_slug", "min_price", "max_price"})
    NOT_FOR_FACETS = FACETED | {"ordering", "is_active"}

    def facet_base(self, qs: QuerySet) -> QuerySet:
        """`qs` under the valid filters that are not faceted (nor ordering, nor `is_active`: facets count active
        products only)."""
        for name, value in self.form.cleaned_data.items():
            if name not in self.NOT_FOR_FACETS:
                qs = self.filters[name].filter(qs, value)
        return qs

    def facet_filters(self, attributes: list[AttributeCondition]) -> FacetFilters:
        data = self.form.cleaned_data
        category_given = data.get("category") is not None or bool(data.get("category_slug"))
        price_given = data.get("min_price") is not None or data.get("max_price") is not None
        narrowed = self._narrowed()
        return FacetFilters(
            category_id=data.get("category"),
            category_slug=data.get("category_slug") or None,
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            attributes=tuple(attributes),
            narrowed=narrowed,
            precounted=not price_given
            and not attributes
            and not narrowed
            and (not category_given or self._names(self.facet_category())),
        )

    def _narrowed(self) -> bool:
        """Whether a filter that no facet is about (search, stock) narrows the products."""
        return any(
            value not in EMPTY_VALUES
            for name, value in self.form.cleaned_data.items()
            if name not in self.NOT_FOR_FACETS
        )

    def _names(self, category: Category | None) -> bool:
        """Whether `category` exists and is the one every category filter given names."""
        data = self.form.cleaned_data
        return (
            category is not None
            and data.get("category") in (None, category.pk)
            and data.get("category_slug") in (None, "", category.slug)
        )

    def facet_category(self) -> Category | None:
        """The category the filters name, if any: its attributes are the ones listed. Looked up once."""
        if not hasattr(self, "_facet_category"):
            data = self.form.cleaned_data
            category = None
            if data.get("category") is not None:
                category = Category.objects.filter(pk=data["category"]).first()
            elif data.get("category_slug"):
                category = Category.objects.filter(slug=data["category_slug"]).first()
            self._facet_category = category
        return self._facet_category

    def filter_in_stock(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        return qs.filter(stock__gt=0) if value else qs.filter(stock=0)

    def filter_is_active(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        if not is_manager(getattr(self.request, "user", None)):
            return qs
        return qs.filter(is_active=value)

    def filter_search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        query = SearchQuery(value, config=SEARCH_CONFIG, search_type="websearch")
        return (
            qs.filter(search_vector=query)
            .annotate(search_rank=SearchRank(F("search_vector"), query))
            .order_by("-search_rank", "-id")
        )


class ReviewFilter(FilterSet):
    ordering = OrderingChoiceFilter(
        orderings={
            "rating": ("rating", "-created_at", "-id"),
            "-rating": ("-rating", "-created_at", "-id"),
            "created_at": ("created_at", "id"),
            "-created_at": ("-created_at", "-id"),
        },
        label="Newest first by default",
    )

    class Meta:
        model = Review
        fields = []


class OrderFilter(FilterSet):
    status = filters.ChoiceFilter(choices=Order.Status.choices)
    user = IdFilter(field_name="user_id")

    class Meta:
        model = Order
        fields = ["status", "user"]


class StockMovementFilter(FilterSet):
    reason = filters.ChoiceFilter(choices=StockMovement.Reason.choices)
    date_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="On or after this day")
    date_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="On or before this day")

    class Meta:
        model = StockMovement
        fields = ["reason", "date_from", "date_to"]


class RestockOrderFilter(FilterSet):
    status = filters.ChoiceFilter(choices=RestockOrder.Status.choices)

    class Meta:
        model = RestockOrder
        fields = ["status"]
