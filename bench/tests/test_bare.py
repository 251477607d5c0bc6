"""The bare floor (`bench.bare`) as `make bench` runs it: a project of its own, under gunicorn, on the same rows."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from bench.load import request
from bench.stack import BARE_SETTINGS, ROOT, Environment, Gunicorn
from duka_app.tests.processes import database_url

DUKA_PACKAGES = {
    "accounts",
    "axes",
    "core",
    "corsheaders",
    "django_filters",
    "drf_spectacular",
    "duka_app",
    "fulfilment",
    "payments",
    "pricing",
    "rest_framework",
    "store",
    "whitenoise",
}

_LOAD_BARE_PROJECT = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.urls import resolve
resolve("/bench/products/")
print(json.dumps({
    "apps": settings.INSTALLED_APPS,
    "middleware": settings.MIDDLEWARE,
    "debug": settings.DEBUG,
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "modules": sorted({name.split(".")[0] for name in sys.modules}),
}))
"""


@pytest.mark.slow
def test_bare_project_loads_no_middleware_no_drf_and_none_of_dukas_apps():
    env = Environment(database_url(connection.settings_dict), None).but(DJANGO_SETTINGS_MODULE=BARE_SETTINGS)

    completed = subprocess.run(
        [sys.executable, "-c", _LOAD_BARE_PROJECT], cwd=ROOT, env=env.variables(), capture_output=True, text=True
    )

    assert completed.returncode == 0, completed.stderr
    loaded = json.loads(completed.stdout.strip().splitlines()[-1])
    assert loaded["apps"] == ["bench.bare"]
    assert loaded["middleware"] == []
    assert loaded["debug"] is False
    assert loaded["conn_max_age"] == settings.DATABASES["default"]["CONN_MAX_AGE"]
    assert DUKA_PACKAGES & set(loaded["modules"]) == set()
    assert "django" in loaded["modules"]


@pytest.mark.worker
@pytest.mark.urls("bench.urls")
@pytest.mark.django_db(transaction=True)
def test_bare_floor_under_gunicorn_serves_the_rows_of_the_in_project_baseline_and_the_api(api_client, catalog):
    shoes, products = catalog["shoes"], catalog["products"]
    paths = [
        "/bench/products/",
        "/bench/products/?page_size=2&page=2",
        f"/bench/products/?category={shoes.pk}&min_price=70&search=shoes",
        f"/bench/products/{products[1].slug}/",
    ]
    missing = [f"/bench/products/{products[3].slug}/", "/bench/products/no-such-product/"]

    with Gunicorn.bare_floor(Environment(database_url(connection.settings_dict), None), "bare-test") as floor:
        bare = {path: request(floor.base_url, "GET", path) for path in paths + missing}

    for path in paths:
        assert bare[path].status == 200, path
        assert bare[path].json() == api_client.get(path).json(), path
    assert [bare[path].status for path in missing] == [404, 404]
    api = api_client.get("/api/products/").json()
    bare_list = bare["/bench/products/"].json()
    assert bare_list["count"] == api["count"] == 3
    assert [row["id"] for row in bare_list["results"]] == [row["id"] for row in api["results"]]
    assert bare[paths[2]].json()["results"][0]["name"] == "Trail runner shoe"
