"""Product images: upload checked by content, renditions made by the job, files removed with their rows."""

import io

import pytest
from PIL import Image

from store.jobs import product_image_renditions_make
from store.models import Product, ProductImage
from store.tests.factories import CategoryFactory, ProductFactory
from store.tests.images import image_bytes, stored_files, upload


@pytest.fixture
def product(db):
    return ProductFactory(slug="skillet", category=CategoryFactory())


def images_url(product, image_id=None) -> str:
    return f"/api/products/{product.slug}/images/" + (f"{image_id}/" if image_id is not None else "")


def camera_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0112] = orientation
    return exif.tobytes()


# --- upload -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_a_manager_uploads_an_image_and_the_job_makes_its_renditions(
    client_as, product, media_root, jobs_run_inline, committed, role
):
    with committed():
        response = client_as(role).post(
            images_url(product), {"file": upload(image_bytes(size=(1600, 1200))), "alt_text": "From above"}
        )

    assert response.status_code == 201, response.content
    body = response.json()
    image = ProductImage.objects.get()
    assert body["id"] == image.pk
    assert (body["width"], body["height"], body["alt_text"], body["position"]) == (1600, 1200, "From above", 0)
    assert body["url"] == f"/media/{image.file.name}"
    assert image.file.name.startswith(f"products/{product.pk}/") and image.file.name.endswith(".jpg")
    stem = image.file.name.removesuffix(".jpg")
    assert image.renditions == {
        "200": {"name": f"{stem}-200.webp", "width": 200, "height": 150},
        "600": {"name": f"{stem}-600.webp", "width": 600, "height": 450},
        "1200": {"name": f"{stem}-1200.webp", "width": 1200, "height": 900},
    }
    assert stored_files(media_root) == sorted(
        [image.file.name, f"{stem}-200.webp", f"{stem}-600.webp", f"{stem}-1200.webp"]
    )
    with Image.open(media_root / f"{stem}-600.webp") as rendition:
        assert (rendition.format, rendition.size) == ("WEBP", (600, 450))


@pytest.mark.django_db
def test_renditions_are_never_wider_than_the_image(product, media_root, client_as, jobs_run_inline, committed):
    with committed():
        response = client_as("manager").post(images_url(product), {"file": upload(image_bytes(size=(500, 400)))})

    assert response.status_code == 201
    assert list(ProductImage.objects.get().renditions) == ["200"]
    assert product_image_renditions_make(image_id=response.json()["id"]) == 0


@pytest.mark.django_db
def test_the_job_is_idempotent_and_ignores_a_deleted_image(product, media_root, client_as, committed):
    with committed():
        image_id = client_as("manager").post(images_url(product), {"file": upload(image_bytes())}).json()["id"]

    # With a broker the job waits for a worker; without one it ran in the request's commit: either way, after
    # this run the three renditions exist, and running it again makes nothing.
    product_image_renditions_make(image_id=image_id)
    assert sorted(ProductImage.objects.get().renditions, key=int) == ["200", "600", "1200"]
    files = stored_files(media_root)
    assert product_image_renditions_make(image_id=image_id) == 0
    assert stored_files(media_root) == files
    assert product_image_renditions_make(image_id=image_id + 1000) == 0


@pytest.mark.django_db
def test_exif_is_stripped_and_its_orientation_applied(product, media_root, client_as):
    content = image_bytes(size=(1600, 1200), exif=camera_exif(orientation=6))
    with Image.open(io.BytesIO(content)) as original:
        assert original.getexif()[0x010F] == "Camera maker"

    response = client_as("manager").post(images_url(product), {"file": upload(content)})

    assert response.status_code == 201
    assert (response.json()["width"], response.json()["height"]) == (1200, 1600)
    with Image.open(media_root / ProductImage.objects.get().file.name) as stored:
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info
        assert stored.size == (1200, 1600)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("image_format", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")], ids=["jpeg", "png", "webp"]
)
def test_each_accepted_format_is_kept_in_its_format(product, media_root, client_as, image_format, extension):
    # The name says nothing: the content decides.
    response = client_as("manager").post(
        images_url(product), {"file": upload(image_bytes(size=(300, 200), image_format=image_format), "x.gif")}
    )

    assert response.status_code == 201
    name = ProductImage.objects.get().file.name
    assert name.endswith(f".{extension}")
    with Image.open(media_root / name) as stored:
        assert stored.format == image_format


@pytest.mark.django_db
def test_images_go_last_unless_placed(product, client_as):
    client = client_as("manager")
    first = client.post(images_url(product), {"file": upload(image_bytes(size=(10, 10)))}).json()
    second = client.post(images_url(product), {"file": upload(image_bytes(size=(10, 10)))}).json()
    placed = client.post(images_url(product), {"file": upload(image_bytes(size=(10, 10))), "position": 7}).json()

    assert (first["position"], second["position"], placed["position"]) == (0, 1, 7)


def _truncated_jpeg() -> bytes:
    content = image_bytes(size=(800, 600))
    return content[: len(content) // 2]


def _bomb_png() -> bytes:
    # 60 megapixels that compress to a few kilobytes.
    output = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(output, format="PNG")
    return output.getvalue()


BAD_FILES = {
    "text named .jpg": (lambda: b"just some text, not a picture\n" * 20, "photo.jpg", "image_type_unsupported"),
    "svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        "logo.svg",
        "image_type_unsupported",
    ),
    "gif": (lambda: image_bytes(size=(10, 10), image_format="GIF"), "anim.gif", "image_type_unsupported"),
    "60-megapixel bomb": (_bomb_png, "bomb.png", "image_too_many_pixels"),
    "truncated jpeg": (_truncated_jpeg, "cut.jpg", "image_corrupt"),
    "6 MB file": (lambda: image_bytes(size=(100, 100)) + b"\0" * (6 * 1024 * 1024), "big.jpg", "image_too_large"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_a_400_with_its_code_and_leaves_nothing_behind(product, media_root, client_as, committed, kind):
    make, name, code = BAD_FILES[kind]

    with committed():
        response = client_as("manager").post(images_url(product), {"file": upload(make(), name)})

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not ProductImage.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_the_limits_are_in_the_error(product, media_root, client_as, settings):
    settings.MAX_IMAGE_MB = 1
    settings.MAX_IMAGE_PIXELS = 100

    too_large = client_as("manager").post(images_url(product), {"file": upload(b"\xff" * (1024 * 1024 + 1))})
    too_many = client_as("manager").post(images_url(product), {"file": upload(image_bytes(size=(11, 10)))})

    assert too_large.json() == {"detail": "The file is larger than 1 MB.", "code": "image_too_large", "limit_mb": 1}
    assert too_many.json()["code"] == "image_too_many_pixels"
    assert too_many.json()["limit_pixels"] == 100
    assert stored_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "file"),
        ({"file": ""}, "file"),
        ({"file": "not a file"}, "file"),
        ({"position": "-1"}, "position"),
        ({"position": "99999999999999999999"}, "position"),
        ({"position": "first"}, "position"),
        ({"alt_text": "x" * 201}, "alt_text"),
    ],
    ids=["no file", "empty", "text field", "negative position", "huge position", "word position", "long alt"],
)
def test_bad_upload_fields_are_400(product, media_root, client_as, data, field):
    if field != "file":
        data = {"file": upload(image_bytes(size=(10, 10))), **data}

    response = client_as("manager").post(images_url(product), data)

    assert response.status_code == 400
    assert field in response.json()
    assert not ProductImage.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_an_empty_file_is_400(product, media_root, client_as):
    response = client_as("manager").post(images_url(product), {"file": upload(b"")})

    assert response.status_code == 400
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_json_instead_of_multipart_is_400(product, client_as):
    response = client_as("manager").post(images_url(product), {"file": "x"}, format="json")

    assert response.status_code == 400
    assert not ProductImage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("customer", 403)])
def test_only_managers_change_images(product, media_root, client_as, role, status):
    image = _image_of(product, client_as)
    client = client_as(role)
    files = stored_files(media_root)

    assert client.post(images_url(product), {"file": upload(image_bytes(size=(10, 10)))}).status_code == status
    assert client.patch(images_url(product, image.pk), {"position": 5}, format="json").status_code == status
    assert client.delete(images_url(product, image.pk)).status_code == status

    assert list(ProductImage.objects.values_list("pk", "position")) == [(image.pk, 0)]
    assert stored_files(media_root) == files


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "customer", "manager", "admin"])
def test_anyone_lists_the_images_of_a_product_they_see(product, client_as, role):
    second = _image_of(product, client_as, position=3)
    first = _image_of(product, client_as, position=1)

    response = client_as(role).get(images_url(product))

    assert response.status_code == 200
    assert [image["id"] for image in response.json()] == [first.pk, second.pk]


@pytest.mark.django_db
def test_an_inactive_products_images_are_hidden_from_shoppers(product, client_as):
    _image_of(product, client_as)
    Product.objects.filter(pk=product.pk).update(is_active=False)

    assert client_as("customer").get(images_url(product)).status_code == 404
    assert client_as("manager").get(images_url(product)).status_code == 200


@pytest.mark.django_db
def test_unknown_products_and_images_are_404(product, client_as):
    other = ProductFactory(slug="other", category=product.category)
    image = _image_of(other, client_as)
    client = client_as("manager")

    missing_product = client.post("/api/products/nope/images/", {"file": upload(image_bytes(size=(10, 10)))})
    assert missing_product.status_code == 404
    assert missing_product.json()["code"] == "not_found"
    assert client.patch(images_url(product, image.pk), {"position": 1}, format="json").status_code == 404
    assert client.delete(images_url(product, image.pk)).status_code == 404
    assert client.delete(images_url(product, 10**17)).status_code == 404
    assert client.delete(images_url(product) + "abc/").status_code == 404
    assert ProductImage.objects.filter(pk=image.pk).exists()


# --- edit and delete ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_manager_reorders_and_edits_alt_text(product, client_as):
    first, second = _image_of(product, client_as), _image_of(product, client_as, position=1)
    client = client_as("manager")

    response = client.patch(images_url(product, second.pk), {"position": 0, "alt_text": "Side"}, format="json")
    client.patch(images_url(product, first.pk), {"position": 2}, format="json")

    assert response.status_code == 200
    assert (response.json()["position"], response.json()["alt_text"]) == (0, "Side")
    detail = client.get(f"/api/products/{product.slug}/").json()
    assert [image["id"] for image in detail["images"]] == [second.pk, first.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{"position": -1}, {"position": "x"}, {"position": 10**20}, {"alt_text": "x" * 201}, {"alt_text": None}],
    ids=["negative", "word", "huge", "long alt", "null alt"],
)
def test_a_bad_edit_is_400_and_changes_nothing(product, client_as, body):
    image = _image_of(product, client_as, alt_text="Before")

    response = client_as("manager").patch(images_url(product, image.pk), body, format="json")

    assert response.status_code == 400
    image.refresh_from_db()
    assert (image.position, image.alt_text) == (0, "Before")


@pytest.mark.django_db
def test_malformed_json_is_400(product, client_as):
    image = _image_of(product, client_as)

    response = client_as("manager").generic(
        "PATCH", images_url(product, image.pk), "{not json", content_type="application/json"
    )

    assert response.status_code == 400


@pytest.mark.django_db
def test_put_is_not_allowed(product, client_as):
    image = _image_of(product, client_as)

    assert client_as("manager").put(images_url(product, image.pk), {"position": 1}, format="json").status_code == 405


@pytest.mark.django_db
def test_deleting_an_image_removes_its_files_after_the_commit(
    product, media_root, client_as, jobs_run_inline, committed
):
    keep = _image_of(product, client_as, committed=committed)
    gone = _image_of(product, client_as, committed=committed)
    gone_files = ProductImage.objects.get(pk=gone.pk).file_names
    assert len(gone_files) == 4

    with committed():
        response = client_as("manager").delete(images_url(product, gone.pk))

    assert response.status_code == 204
    assert list(ProductImage.objects.values_list("pk", flat=True)) == [keep.pk]
    assert stored_files(media_root) == sorted(ProductImage.objects.get(pk=keep.pk).file_names)


@pytest.mark.django_db
def test_deleting_a_product_removes_its_image_files(product, media_root, client_as, jobs_run_inline, committed):
    _image_of(product, client_as, committed=committed)
    assert len(stored_files(media_root)) == 4

    with committed():
        response = client_as("manager").delete(f"/api/products/{product.slug}/")

    assert response.status_code == 204
    assert not ProductImage.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_rolled_back_deletion_keeps_the_files(product, media_root, client_as, django_capture_on_commit_callbacks):
    from django.db import transaction

    _image_of(product, client_as)
    files = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        ProductImage.objects.all().delete()
        raise RuntimeError

    assert ProductImage.objects.count() == 1
    assert stored_files(media_root) == files


# --- product responses --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_products_list_their_images_primary_first_with_renditions(product, client_as, jobs_run_inline, committed):
    later = _image_of(product, client_as, position=5, committed=committed)
    primary = _image_of(product, client_as, position=2, alt_text="Front", committed=committed)

    listed = client_as("anonymous").get("/api/products/").json()["results"][0]
    detail = client_as("anonymous").get(f"/api/products/{product.slug}/").json()

    assert listed["images"] == detail["images"]
    assert [image["id"] for image in detail["images"]] == [primary.pk, later.pk]
    first = detail["images"][0]
    name = ProductImage.objects.get(pk=primary.pk).file.name.removesuffix(".jpg")
    assert first == {
        "id": primary.pk,
        "url": f"/media/{name}.jpg",
        "width": 1600,
        "height": 1200,
        "alt_text": "Front",
        "position": 2,
        "renditions": [
            {"url": f"/media/{name}-200.webp", "width": 200, "height": 150},
            {"url": f"/media/{name}-600.webp", "width": 600, "height": 450},
            {"url": f"/media/{name}-1200.webp", "width": 1200, "height": 900},
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 40])
@pytest.mark.parametrize("role", ["anonymous", "manager"])
def test_the_product_list_with_images_costs_the_same_queries_for_1_and_many(
    client_as, django_assert_max_num_queries, count, role
):
    category = CategoryFactory()
    products = ProductFactory.create_batch(count, category=category)
    ProductImage.objects.bulk_create(
        ProductImage(
            product=product,
            file=f"products/{product.pk}/{position}.jpg",
            position=position,
            width=800,
            height=600,
            renditions={"200": {"name": f"products/{product.pk}/{position}-200.webp", "width": 200, "height": 150}},
        )
        for product in products
        for position in range(3)
    )
    client = client_as(role)

    with django_assert_max_num_queries(1):  # the page with its images and attribute values, and the count
        response = client.get("/api/products/?page_size=100")

    assert response.status_code == 200
    assert [len(product["images"]) for product in response.json()["results"]] == [3] * count
    with django_assert_max_num_queries(1):  # the product with its images and attribute values
        detail = client.get(f"/api/products/{products[0].slug}/")
    assert [image["position"] for image in detail.json()["images"]] == [0, 1, 2]


def _image_of(product, client_as, *, position=None, alt_text="", committed=None) -> ProductImage:
    data = {"file": upload(image_bytes()), "alt_text": alt_text}
    if position is not None:
        data["position"] = position
    if committed is None:
        response = client_as("manager").post(images_url(product), data)
    else:
        with committed():
            response = client_as("manager").post(images_url(product), data)
    assert response.status_code == 201, response.content
    return ProductImage.objects.get(pk=response.json()["id"])
