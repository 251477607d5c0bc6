"""The filtering helpers: a form class built once per FilterSet class, and no FilterSet at all for a
request that names no filter."""

import pytest
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.models import RequestLog
from duka_app.api.filters import FilterBackend, FilterSet


class MethodFilter(FilterSet):
    method = filters.CharFilter()
    status_code = filters.NumberFilter(min_value=100, max_value=599)

    class Meta:
        model = RequestLog
        fields = []


class CountryFilter(FilterSet):
    country = filters.CharFilter(max_length=2)

    class Meta:
        model = RequestLog
        fields = []


class View:
    filterset_class = MethodFilter


def request(query: str) -> Request:
    return Request(APIRequestFactory().get("/logs/" + query))


def test_the_form_class_is_built_once_per_filterset_class():
    first, second = MethodFilter({"method": "GET"}), MethodFilter({"status_code": "999"})

    assert type(first.form) is type(second.form)
    assert set(first.form.fields) == {"method", "status_code"}
    assert set(CountryFilter({}).form.fields) == {"country"}


def test_each_request_validates_its_own_values_with_the_shared_form_class():
    valid, invalid = MethodFilter({"method": "GET", "status_code": "200"}), MethodFilter({"status_code": "999"})

    assert valid.is_valid()
    assert not invalid.is_valid()
    assert list(invalid.errors) == ["status_code"]
    assert MethodFilter({"method": "POST"}).is_valid()


@pytest.mark.django_db
def test_without_filter_parameters_the_queryset_is_returned_untouched():
    queryset = RequestLog.objects.all()

    assert FilterBackend().get_filterset(request("?page=2&page_size=5"), queryset, View()) is None
    assert FilterBackend().filter_queryset(request("?page=2"), queryset, View()) is queryset


@pytest.mark.django_db
def test_filter_parameters_still_filter_and_validate():
    queryset = RequestLog.objects.all()

    filtered = FilterBackend().filter_queryset(request("?method=GET&page=2"), queryset, View())

    assert 'WHERE "core_requestlog"."method" = GET' in str(filtered.query)
    with pytest.raises(ValidationError) as error:
        FilterBackend().filter_queryset(request("?status_code=abc"), queryset, View())
    assert list(error.value.detail) == ["status_code"]


class PathFilter(FilterSet):
    path = filters.CharFilter(method="filter_path")

    class Meta:
        model = RequestLog
        fields = []

    def filter_path(self, queryset, name, value):
        self.path_asked = value
        return queryset.filter(path__startswith=value)


@pytest.mark.django_db
def test_each_filterset_filters_with_copies_of_its_own_whose_methods_are_its_own():
    first = PathFilter({"path": "/api/"}, queryset=RequestLog.objects.all())
    second = PathFilter({"path": "/admin/"}, queryset=RequestLog.objects.all())

    copies, declared = (first.filters["path"], second.filters["path"]), PathFilter.base_filters["path"]
    assert copies[0] is not copies[1] and declared not in copies
    assert copies[0].extra is copies[1].extra is declared.extra  # configuration is shared, not copied
    assert copies[0].parent is first and copies[1].parent is second
    assert "/api/" in str(first.qs.query) and "/admin/" in str(second.qs.query)
    assert (first.path_asked, second.path_asked) == ("/api/", "/admin/")
    assert not hasattr(PathFilter.base_filters["path"], "parent")
