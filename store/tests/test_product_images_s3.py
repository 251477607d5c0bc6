"""The S3 storage path, against a local S3 server (moto in server mode on a free port)."""

import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer

from store.models import ProductImage
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.images import image_bytes, upload

BUCKET = "duka-media"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, settings):
    """An empty bucket on the local S3 server, and the default storage pointed at it as MEDIA_STORAGE=s3 does."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **settings.S3_STORAGE_OPTIONS,
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.slow
@pytest.mark.django_db
def test_images_live_in_the_s3_store(s3_endpoint, s3_bucket, client_as, jobs_run_inline, committed):
    product = ProductFactory(slug="skillet", category=CategoryFactory())
    client = client_as("manager")

    with committed():
        response = client.post("/api/products/skillet/images/", {"file": upload(image_bytes(size=(1300, 975)))})

    assert response.status_code == 201, response.content
    image = ProductImage.objects.get()
    stem = image.file.name.removesuffix(".jpg")
    assert _keys(s3_bucket) == sorted([image.file.name, f"{stem}-200.webp", f"{stem}-600.webp", f"{stem}-1200.webp"])
    detail = client_as("anonymous").get(f"/api/products/{product.slug}/").json()
    renditions = detail["images"][0]["renditions"]
    assert [rendition["width"] for rendition in renditions] == [200, 600, 1200]
    assert renditions[0]["url"] == f"{s3_endpoint}/{BUCKET}/{stem}-200.webp"
    served = s3_bucket.get_object(Bucket=BUCKET, Key=f"{stem}-200.webp")["Body"].read()
    assert served[8:12] == b"WEBP"

    rejected = client.post("/api/products/skillet/images/", {"file": upload(b"<svg/>", "x.svg")})
    assert rejected.json()["code"] == "image_type_unsupported"
    assert len(_keys(s3_bucket)) == 4

    with committed():
        assert client.delete(f"/api/products/skillet/images/{image.pk}/").status_code == 204

    assert _keys(s3_bucket) == []
