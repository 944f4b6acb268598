"""Checking an uploaded testimonial photo by its content, not its name or declared type.

Only PNG and JPEG are accepted: the first bytes must be the format's signature and the header must
give sensible dimensions. The file is stored under a name we choose and always served back with the
type found here, so a file that merely pretends to be an image never reaches a browser as anything else.
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

MAX_PHOTO_BYTES = 3 * 1024 * 1024
MAX_DIMENSION = 6000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
# JPEG start-of-frame markers carry the image size (C4, C8 and CC are other segments).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_HEADER_SCAN_BYTES = 512 * 1024


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _png_size(data: bytes) -> tuple[int, int] | None:
    # The IHDR chunk must come first: length (13), type, width, height.
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    end = min(len(data), _HEADER_SCAN_BYTES)
    while position + 4 <= end:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            if position + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def photo_check(upload: Any) -> CheckedPhoto:
    """Read and check an uploaded file; raise ValidationError (field `photo`) naming the problem."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise ValidationError(
            {"photo": f"The photo is too large: at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB."}
        )
    with contextlib.suppress(AttributeError, OSError):
        upload.seek(0)
    content = upload.read(MAX_PHOTO_BYTES + 1)
    if not isinstance(content, bytes) or not content:
        raise ValidationError({"photo": "The photo is empty."})
    if len(content) > MAX_PHOTO_BYTES:
        raise ValidationError(
            {"photo": f"The photo is too large: at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB."}
        )
    if content.startswith(PNG_SIGNATURE):
        content_type, extension, dimensions = "image/png", "png", _png_size(content)
    elif content.startswith(JPEG_SIGNATURE):
        content_type, extension, dimensions = "image/jpeg", "jpg", _jpeg_size(content)
    else:
        raise ValidationError({"photo": "Upload a photo in PNG or JPEG format."})
    if dimensions is None:
        raise ValidationError(
            {"photo": "This file is not a photo we can read. Try saving it again as a JPEG."}
        )
    width, height = dimensions
    if not (0 < width <= MAX_DIMENSION and 0 < height <= MAX_DIMENSION):
        raise ValidationError({"photo": f"The photo must be at most {MAX_DIMENSION} pixels on each side."})
    return CheckedPhoto(
        content=content, content_type=content_type, extension=extension, width=width, height=height
    )
