"""Uploaded images: checked by their content with Pillow, re-encoded without metadata, and their renditions.

Nothing here trusts a file's name or declared type. The size is checked before any decoding, the pixel count
from the header before the pixels are decoded (a small file can claim a huge canvas), then the whole image is
decoded, which finds truncated and damaged files. Re-encoding drops EXIF (camera, location) and the other
metadata; the EXIF orientation is applied first, so the picture keeps its way up.
"""

import io
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from store.errors import ImageCorrupt, ImageTooLarge, ImageTooManyPixels, ImageTypeUnsupported

# Pillow's format names, and the file extension each is stored under.
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
RENDITION_QUALITY = 80

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str
    width: int
    height: int


def image_clean(*, file, size: int) -> CleanImage:
    """`file` (a readable binary file of `size` bytes) as an image the store keeps, or an `ImageRejected` error."""
    limit_mb = settings.MAX_IMAGE_MB
    if size > limit_mb * 1024 * 1024:
        raise ImageTooLarge(f"The file is larger than {limit_mb} MB.", limit_mb=limit_mb)
    limit_pixels = settings.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(file, formats=list(IMAGE_FORMATS))
        except UnidentifiedImageError as error:
            raise ImageTypeUnsupported() from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageTooManyPixels(limit_pixels=limit_pixels) from error
        with image:
            if image.width * image.height > limit_pixels:
                raise ImageTooManyPixels(
                    f"The image has {image.width} × {image.height} pixels; at most {limit_pixels} are accepted.",
                    limit_pixels=limit_pixels,
                )
            image_format = image.format
            try:
                image.load()
                upright = ImageOps.exif_transpose(image)
                content = _encode(upright, image_format)
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
                raise ImageCorrupt() from error
    return CleanImage(
        content=content, extension=IMAGE_FORMATS[image_format], width=upright.width, height=upright.height
    )


def _encode(image: Image.Image, image_format: str) -> bytes:
    """The pixels alone, in `image_format`: no EXIF, XMP, ICC or text chunks are carried over."""
    if image_format == "JPEG" and image.mode not in {"RGB", "L", "CMYK"}:
        image = image.convert("RGB")
    output = io.BytesIO()
    options = {"quality": 90} if image_format in {"JPEG", "WEBP"} else {"optimize": True}
    image.save(output, format=image_format, **options)
    return output.getvalue()


def rendition_make(*, content: bytes, width: int) -> tuple[bytes, int, int] | None:
    """A WebP of the image `content` scaled to `width` pixels wide, with its size; None when the image is
    narrower (renditions are never upscaled)."""
    with Image.open(io.BytesIO(content)) as image:
        if image.width < width:
            return None
        height = max(1, round(image.height * width / image.width))
        resized = image.convert("RGBA" if image.mode in {"RGBA", "LA", "P"} else "RGB").resize(
            (width, height), Image.Resampling.LANCZOS
        )
    output = io.BytesIO()
    resized.save(output, format="WEBP", quality=RENDITION_QUALITY)
    return output.getvalue(), width, height


def stored_files_delete(*, names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            # A file left behind costs storage, not correctness: the row is gone either way.
            logger.exception("Could not delete the stored file %s.", name)
