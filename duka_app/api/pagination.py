from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from rest_framework.pagination import PageNumberPagination

# PostgreSQL's OFFSET is a bigint: no list is that long, so a page beyond it is past the end.
MAX_OFFSET = 2**63 - 1


class StandardPagination(PageNumberPagination):
    """`page` and `page_size` (default 20, at most 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CountInRowsPaginator(Paginator):
    """A paginator whose page query also counts the whole list (each row carries the count): one query a page,
    not two.

    Its list is an object with `rows(offset, limit)`, rows (tuples) that end with the count of the whole
    list, and `count()`. An empty page has no row to carry the count: page 1 is then an empty list and any
    later page is past the end, as a separate COUNT would have decided. Only `page=last` counts first.
    No orphans.
    """

    def page(self, number):
        number = self._page_number(number)
        bottom = (number - 1) * self.per_page
        if bottom >= MAX_OFFSET:
            raise EmptyPage(self.error_messages["no_results"])
        rows = self.object_list.rows(bottom, self.per_page)
        if rows:
            self.count = rows[0][-1]
        elif number == 1 and self.allow_empty_first_page:
            self.count = 0
        else:
            raise EmptyPage(self.error_messages["no_results"])
        return self._get_page([row[:-1] for row in rows], number, self)

    def _page_number(self, number) -> int:
        """`validate_number` without the comparison with the number of pages, which needs the count."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number


class CountInRowsPagination(StandardPagination):
    """`StandardPagination` in one query a page (see `CountInRowsPaginator`)."""

    django_paginator_class = CountInRowsPaginator
