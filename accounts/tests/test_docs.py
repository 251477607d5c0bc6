import pytest
from django.core.management import call_command


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/", "/api/schema/"])
def test_docs_are_served(client, url):
    response = client.get(url)

    assert response.status_code == 200


@pytest.mark.django_db
def test_docs_use_only_assets_served_by_this_server(client):
    page = client.get("/api/docs/").content.decode()

    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page


@pytest.mark.django_db
@pytest.mark.contract
def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
