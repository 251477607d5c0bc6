import io
import re

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from duka_app.ops.er_diagram import APP_LABELS, collect, er_diagram_render


def test_committed_er_html_is_current(tmp_path):
    fresh = tmp_path / "ER.html"

    call_command("er_diagram", "--output", str(fresh), stdout=io.StringIO())

    committed = settings.BASE_DIR / "ER.html"
    assert committed.exists(), "ER.html is missing: run `python manage.py er_diagram` and commit it."
    assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        "ER.html is stale: the models changed. Run `python manage.py er_diagram` and commit ER.html."
    )


def test_the_diagram_is_deterministic():
    assert er_diagram_render() == er_diagram_render()


def test_every_model_of_the_apps_is_drawn_with_its_fields():
    page = er_diagram_render()

    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            assert f'id="table-{label}.{model.__name__}"' in page
            for field in model._meta.concrete_fields:
                assert f">{field.name}</text>" in page


def test_relations_of_every_kind_are_collected():
    _tables, relations = collect()

    found = {(r.source, r.field, r.kind, r.target, r.on_delete) for r in relations}

    assert ("accounts.CustomerProfile", "user", "one-to-one", "accounts.User", "CASCADE") in found
    assert ("store.OrderItem", "order", "many-to-one", "store.Order", "CASCADE") in found
    assert ("store.Order", "user", "many-to-one", "accounts.User", "PROTECT") in found
    assert ("accounts.User", "groups", "many-to-many", "auth.Group", "") in found


def test_outside_models_appear_only_as_relation_targets():
    tables, _relations = collect()

    external = {table.label: table for table in tables if table.is_external}

    assert set(external) == {"auth.Group", "auth.Permission"}
    assert [column.name for column in external["auth.Group"].columns] == ["id"]


def test_the_page_is_self_contained():
    page = er_diagram_render()

    assert "<script" not in page
    assert not re.search(r"<link|<img|@import|url\((?!#)|https?://", page)
