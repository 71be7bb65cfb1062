"""Uploaded images are decoded and drawn again (events/domain/images.py): hostile files are refused,
or come out as plain pixels with nothing of what they carried."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from events.domain import images
from tests import images as made

pytestmark = pytest.mark.usefixtures("english")


def test_an_ordinary_png_with_transparency_stays_a_png_and_a_photo_becomes_a_jpeg():
    clean = images.clean_image(made.png(300, 100), max_side=1000)
    assert (clean.content_type, clean.width, clean.height) == ("image/png", 300, 100)
    photo = images.clean_image(made.jpeg(200, 100), max_side=1000)
    assert photo.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"


def test_a_large_image_is_reduced_to_the_longest_side_given():
    clean = images.clean_image(made.png(2000, 1000), max_side=480)
    assert (clean.width, clean.height) == (480, 240)


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded():
    bomb = made.decompression_bomb(30000)  # 900 million pixels: Pillow's own limit refuses it at open
    assert len(bomb) < 200_000
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_image(bomb, max_side=1000)
    assert refused.value.message == "This image would be too large once decoded: it is refused."
    # Under Pillow's limit but over ours: refused from the header's dimensions, nothing decoded.
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_image(made.decompression_bomb(5000), max_side=1000)
    assert refused.value.message == (
        "This image is 5000 × 5000 pixels: an image may be at most 4096 pixels wide and high."
    )


def test_pillow_bomb_warning_is_an_error_too(monkeypatch):
    # Below our own limit but above Pillow's (lowered here): the warning is a refusal, not a log line.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_image(made.png(40, 40), max_side=100)
    assert refused.value.message == "This image would be too large once decoded: it is refused."


@pytest.mark.parametrize(
    "data",
    [made.svg(), b"\xef\xbb\xbf  <svg onload=alert(1)>", b"<!doctype html><script>x</script>"],
    ids=["svg", "svg-with-bom", "html"],
)
def test_svg_and_web_pages_are_refused(data):
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_image(data, max_side=100)
    assert "SVG" in refused.value.message


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "PDF"])
def test_formats_other_than_png_jpeg_webp_gif_are_refused(fmt):
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format=fmt)
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_image(out.getvalue(), max_side=100)
    assert refused.value.message.startswith("This file is not an image we accept")


def test_a_truncated_image_and_random_bytes_are_refused():
    for data in (made.png()[:60], b"MZ\x90\x00" + b"\x00" * 100):
        with pytest.raises(images.ImageRefused):
            images.clean_image(data, max_side=100)


def test_a_png_with_a_web_page_appended_comes_out_without_it():
    clean = images.clean_image(made.html_polyglot(), max_side=100)
    assert made.SCRIPT not in clean.data and b"<html" not in clean.data
    assert clean.data.endswith(b"IEND\xaeB`\x82")  # nothing after the image's end


def test_a_gif_javascript_polyglot_is_redrawn_as_a_png_without_its_comment():
    polyglot = made.gif_js_polyglot()
    assert polyglot.startswith(b"GIF89a") and b"alert" in polyglot
    clean = images.clean_image(polyglot, max_side=100)
    assert clean.content_type == "image/png"
    assert not clean.data.startswith(b"GIF89a")
    assert b"alert" not in clean.data


def test_exif_and_text_chunks_are_dropped():
    exif_jpeg = made.jpeg(exif_text=made.SCRIPT)
    assert made.SCRIPT in exif_jpeg
    clean = images.clean_image(exif_jpeg, max_side=100)
    assert made.SCRIPT not in clean.data
    reread = Image.open(io.BytesIO(clean.data))
    assert not reread.getexif()
    assert "exif" not in reread.info and "icc_profile" not in reread.info
    texted = images.clean_image(made.png_with_text_chunk(), max_side=100)
    assert made.SCRIPT not in texted.data and b"tEXt" not in texted.data


def test_too_many_bytes_are_refused_before_decoding():
    with pytest.raises(images.ImageRefused) as refused:
        images.clean_image(b"\x89PNG" + b"\x00" * (images.MAX_BYTES + 1), max_side=100)
    assert refused.value.message == "This image is larger than 5 MB: choose a smaller one."
