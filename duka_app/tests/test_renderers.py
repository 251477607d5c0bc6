"""The orjson renderer writes the same bytes as DRF's JSONRenderer for everything an API view answers."""

import datetime
import ipaddress
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from duka_app.api.renderers import OrjsonRenderer

AWARE = datetime.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
NAIROBI = datetime.timezone(datetime.timedelta(hours=3))

CASES = {
    "page": {"count": 2, "next": None, "previous": "http://x/?page=1", "results": [{"id": 1, "price": "9.90"}]},
    "unicode": {"name": "Téléphone « ok » 日本 😀", "empty": "", "quote": 'a "b" \\ c \n\t'},
    "line separators": {"text": "a\u2028b\u2029c"},
    "numbers": {"int": -(2**63), "big": 2**63 - 1, "float": 1.5, "zero": 0.0, "bool": [True, False], "none": None},
    "validation errors": {"price": [ErrorDetail("Ensure this value is greater than 0.", code="min_value")]},
    "lazy text": {"detail": gettext_lazy("Not found.")},
    "decimal": {"amount": Decimal("19.99")},
    "datetimes": {"utc": AWARE, "offset": AWARE.astimezone(NAIROBI), "naive": AWARE.replace(tzinfo=None)},
    "dates and times": {
        "day": datetime.date(2030, 1, 2),
        "time": datetime.time(3, 4, 5),
        "span": datetime.timedelta(1),
    },
    "uuid and addresses": {"id": uuid.UUID(int=7), "ip": ipaddress.ip_address("2001:db8::1"), "v4": "10.0.0.1"},
    "non-string keys": {1: "one", None: "none", False: "no", 2.5: "half"},
    "tuples and sets of one": {"pair": (1, 2), "set": {3}},
    "huge integer": {"n": 2**70},
    "top-level list": [1, "two", {"three": 3}],
}


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_same_bytes_as_drf(data):
    assert OrjsonRenderer().render(data, "application/json") == JSONRenderer().render(data, "application/json")


def test_no_data_is_an_empty_body():
    assert OrjsonRenderer().render(None) == b""


def test_an_indent_request_is_honoured_like_drf():
    data = {"a": [1, {"b": "c"}]}
    media_type = "application/json; indent=2"

    assert OrjsonRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)
    assert b"\n  " in OrjsonRenderer().render(data, media_type)


@pytest.mark.django_db
def test_it_is_the_api_renderer(api_client):
    response = api_client.get("/api/products/?page_size=1")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.accepted_renderer, OrjsonRenderer)
