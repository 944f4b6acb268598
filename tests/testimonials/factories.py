"""Factories and sample files for the testimonials tests."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from leadline.testimonials import models
from leadline.testimonials.services import CONSENT_TEXT_VERSION
from tests.factories import ContactFactory


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG (no image library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int = 4, height: int = 3) -> bytes:
    """The header of a baseline JPEG: enough for a content check that reads the frame size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return (
        b"\xff\xd8"
        + app0
        + sof0
        + b"\xff\xda"
        + struct.pack(">H", 8)
        + b"\x01\x01\x00\x00\x3f\x00"
        + b"\x00" * 8
        + b"\xff\xd9"
    )


class CollectionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TestimonialRequest

    contact = factory.SubFactory(ContactFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Testimonial

    request = factory.SubFactory(CollectionRequestFactory)
    contact = factory.LazyAttribute(lambda item: item.request.contact)
    rating = 5
    text = "They rebuilt our onboarding in two weeks and sign-ups doubled."
    display_name = factory.LazyAttribute(lambda item: item.contact.full_name or "Happy customer")
    role = "Head of Growth"
    company = "Initech"
    consent_text_version = CONSENT_TEXT_VERSION
    submitted_at = factory.LazyFunction(timezone.now)
    status = models.Testimonial.Status.PENDING


def approved(**kwargs: Any) -> models.Testimonial:
    return SubmissionFactory(status=models.Testimonial.Status.APPROVED, decided_at=timezone.now(), **kwargs)


class WallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Wall

    slug = factory.Sequence(lambda n: f"wall-{n}")
    title = "What our customers say"
    min_rating = 1
