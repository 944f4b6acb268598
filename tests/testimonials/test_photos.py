"""Photos are checked by their content (PNG or JPEG, sane size) and only ever served as images."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadline.testimonials import models
from leadline.testimonials.photos import MAX_PHOTO_BYTES, photo_check
from tests.conftest import client_for
from tests.testimonials.factories import CollectionRequestFactory, jpeg_bytes, png_bytes
from tests.testimonials.helpers import answers, collect_path


def _upload(content: bytes, name: str = "me.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_it_accepts_a_png_and_a_jpeg():
    png = photo_check(_upload(png_bytes(3, 2)))
    jpeg = photo_check(_upload(jpeg_bytes(4, 3), "me.jpg", "image/jpeg"))

    assert (png.content_type, png.width, png.height) == ("image/png", 3, 2)
    assert (jpeg.content_type, jpeg.width, jpeg.height) == ("image/jpeg", 4, 3)


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"<html><script>alert(1)</script></html>",
        b"\x89PNG\r\n\x1a\n",  # a signature and nothing behind it
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rXXXX" + b"\x00" * 20,  # no IHDR
        b"\xff\xd8\xff\xe0\x00\x01",  # a JPEG header that goes nowhere
        b"",
    ],
)
def test_it_refuses_files_that_are_not_photos_whatever_their_name(content):
    with pytest.raises(ValidationError):
        photo_check(_upload(content, "photo.png", "image/png"))


def test_it_refuses_a_photo_that_is_too_large():
    with pytest.raises(ValidationError, match="too large"):
        photo_check(_upload(png_bytes() + b"\x00" * MAX_PHOTO_BYTES))


def test_it_refuses_absurd_dimensions():
    with pytest.raises(ValidationError, match="pixels"):
        photo_check(
            _upload(png_bytes(1, 1)[:16] + b"\x00\x01\x00\x00\x00\x00\x00\x01" + png_bytes(1, 1)[24:])
        )


def test_it_stores_an_uploaded_photo_and_tells_a_fake_apart(db, media_root):
    request = CollectionRequestFactory()
    path = collect_path(request)

    refused = Client().post(path, {**answers(), "photo": _upload(b"<svg onload=alert(1)>", "x.png")})
    accepted = Client().post(path, {**answers(), "photo": _upload(png_bytes(), "../../etc/passwd.png")})

    assert refused.status_code == 400
    assert b"PNG or JPEG" in refused.content
    assert accepted.status_code == 302
    testimonial = models.Testimonial.objects.get()
    assert testimonial.photo_type == "image/png"
    assert ".." not in testimonial.photo.name and "passwd" not in testimonial.photo.name
    assert (media_root / testimonial.photo.name).read_bytes() == png_bytes()


def test_it_serves_photos_as_images_and_only_once_approved(db, maria):
    request = CollectionRequestFactory()
    Client().post(collect_path(request), {**answers(), "photo": _upload(png_bytes())})
    testimonial = models.Testimonial.objects.get()
    public_path = f"/testimonials/p/{testimonial.public_id}/"

    before = Client().get(public_path)
    staff = client_for(maria).get(f"/testimonials/manage/{testimonial.public_id}/photo/")
    models.Testimonial.objects.update(status=models.Testimonial.Status.APPROVED)
    after = Client().get(public_path)

    assert before.status_code == 404
    assert staff.status_code == 200
    assert after.status_code == 200
    assert after["Content-Type"] == "image/png"
    assert after["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in after["Content-Security-Policy"]
    assert b"".join(after.streaming_content) == png_bytes()


def test_it_replaces_and_removes_a_photo_before_approval(db, media_root, django_capture_on_commit_callbacks):
    request = CollectionRequestFactory()
    path = collect_path(request)
    Client().post(path, {**answers(), "photo": _upload(png_bytes())})
    first = models.Testimonial.objects.get().photo.name

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path, {**answers(), "photo": _upload(jpeg_bytes(), "new.jpg", "image/jpeg")})
    second = models.Testimonial.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path, {**answers(), "remove_photo": "on"})

    assert second.photo_type == "image/jpeg"
    assert not (media_root / first).exists()
    assert not models.Testimonial.objects.get().photo
