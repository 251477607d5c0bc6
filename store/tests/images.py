"""Image files for the tests, made with Pillow in memory."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(*, size=(1600, 1200), image_format="JPEG", color=(200, 40, 40), exif: bytes | None = None) -> bytes:
    image = Image.new("RGB", size, color)
    output = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(output, format=image_format, **options)
    return output.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list[str]:
    """Every file under `root` (a MEDIA_ROOT), relative to it and sorted."""
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
