"""Product images: adding, editing and removing them; their files follow the rows after the commit."""

import uuid
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from duka_app.ops.queue import enqueue_on_commit
from store import tasks
from store.images import image_clean, stored_files_delete
from store.models import Product, ProductImage
from store.services.catalog import _product_lock


def product_image_add(
    *, product: Product, file, size: int, alt_text: str = "", position: int | None = None
) -> ProductImage:
    """Check and re-encode `file` (an `ImageRejected` error when it is no image the store keeps), store it and
    record it; its renditions are made by a job after the commit. Without `position` it goes last."""
    clean = image_clean(file=file, size=size)
    name = default_storage.save(
        f"products/{product.pk}/{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.content)
    )
    try:
        with transaction.atomic():
            _product_lock(product=product)
            if position is None:
                last = product.images.aggregate(last=Max("position"))["last"]
                position = 0 if last is None else last + 1
            image = ProductImage.objects.create(
                product=product, file=name, alt_text=alt_text, position=position, width=clean.width, height=clean.height
            )
            enqueue_on_commit(tasks.product_image_renditions, image.pk)
    except BaseException:
        default_storage.delete(name)
        raise
    return image


@transaction.atomic
def product_image_update(*, image: ProductImage, **fields) -> ProductImage:
    """Change `position` and/or `alt_text`."""
    for field, value in fields.items():
        setattr(image, field, value)
    image.save(update_fields=list(fields))
    return image


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    image.delete()


def stored_files_delete_on_commit(*, names: Iterable[str]) -> None:
    """Delete these stored files once the current transaction commits (never if it rolls back)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: stored_files_delete(names=names))
