"""Pictures are published safely: re-encoded with no metadata at all (a phone photo's GPS position,
owner and time never reach the site), upright, at a few widths with srcset, sizes, width and height;
the same bytes for the same picture; a picture that cannot be read, has too many pixels or moves is a
one-line problem, never a traceback."""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms

import cmi_site.pictures
from cmi_site.config import BuildOptions, Paths
from cmi_site.models import StaticFile
from cmi_site.pictures import MAX_PIXELS, Unusable, decoded, picture_files, plan_pictures
from cmi_site.pipeline import build
from conftest import SAMPLE_CONTENT, TEMPLATES, TODAY, Run, picture

SECRETS = (b"GPS", b"Exif", b"CanonSecret", b"Jo Bloggs", b"52.6", b"xmpmeta", b"ns.adobe.com", b"Taken at home",
           b"2024:05:01", b"ICC_PROFILE", b"acsp")  # fmt: skip
PHOTO_SIZE = (2000, 1200)  # as stored; shown upright (orientation 6: turned a quarter clockwise) it is 1200 x 2000
STORY_WITH_PHOTO = "image: images/photo.jpg\nimage_alt: A garden\nimage_caption: Our garden in May\n"


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: stored on its side, with GPS, owner, time, XMP, a comment and an ICC profile.
    Its stored left half is red and right half blue, so turned upright the top is red."""
    image = Image.new("RGB", PHOTO_SIZE, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, PHOTO_SIZE[0] // 2, PHOTO_SIZE[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "CanonSecret"
    exif[ExifTags.Base.Artist] = "Jo Bloggs"
    exif[ExifTags.Base.DateTime] = "2024:05:01 08:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 37.0, 12.5),
                ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (1.0, 17.0, 3.0)})  # fmt: skip
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://ns.adobe.com/xap/1.0/">52.6</rdf:RDF></x:xmpmeta>'
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"Taken at home", icc_profile=icc)
    data = out.getvalue()
    assert all(secret in data for secret in (b"CanonSecret", b"Jo Bloggs", b"xmpmeta", b"Taken at home"))  # the test can fail
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


@pytest.fixture
def with_photo(site_dir: Path, content_files: dict[str, str]) -> Path:
    """The minimal site, with a phone photo as a story's picture and in its body."""
    head, rest = content_files["stories/memory-cafe.md"].split("\n---\n", 1)
    rest = rest.replace("Body text.\n", "Body text.\n\n![The garden, from the gate](images/photo.jpg)\n")
    (site_dir / "content/stories/memory-cafe.md").write_text(f"{head}\n{STORY_WITH_PHOTO}---\n{rest}")
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/photo.jpg").write_bytes(phone_photo())
    return site_dir


def test_published_copies_hold_no_metadata_and_are_upright(with_photo: Path, run_cli: Callable[..., Run]) -> None:
    result = run_cli("build")
    assert result.code == 0, result.err
    images = with_photo / "_site/images"
    assert sorted(p.name for p in images.iterdir()) == ["photo-1200w.jpg", "photo-480w.jpg", "photo-960w.jpg"]  # never the file
    for copy in images.iterdir():
        data = copy.read_bytes()
        opened = Image.open(io.BytesIO(data))
        assert not opened.getexif(), copy.name
        assert set(opened.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive", "progression"}, opened.info
        assert not opened.applist or [name for name, _ in opened.applist] == ["APP0"], copy.name  # JFIF only
        assert [secret for secret in SECRETS if secret in data] == [], copy.name
        width, height = opened.size
        assert height > width  # turned upright
        top, bottom = opened.convert("RGB").getpixel((width // 2, 5)), opened.convert("RGB").getpixel((width // 2, height - 5))
        assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0], (top, bottom)  # red on top: its orientation applied
    assert Image.open(io.BytesIO((images / "photo-480w.jpg").read_bytes())).size == (480, 800)


def test_pages_give_srcset_sizes_width_and_height(with_photo: Path, run_cli: Callable[..., Run]) -> None:
    assert run_cli("build").code == 0
    page = (with_photo / "_site/stories/memory-cafe/index.html").read_text()
    srcset = ('srcset="../../images/photo-480w.jpg 480w, ../../images/photo-960w.jpg 960w, ../../images/photo-1200w.jpg 1200w" '
              'sizes="(min-width: 44rem) 42rem, calc(100vw - 2rem)" width="1200" height="2000"')  # fmt: skip
    assert f'<img src="../../images/photo-1200w.jpg" {srcset} alt="A garden">' in page
    assert "<figcaption>Our garden in May</figcaption>" in page
    assert f'<img alt="The garden, from the gate" src="../../images/photo-1200w.jpg" {srcset} loading="lazy" decoding="async">' in page


def test_the_same_picture_gives_the_same_bytes(with_photo: Path, run_cli: Callable[..., Run]) -> None:
    assert run_cli("build", "--no-cache").code == 0
    first = {p.name: p.read_bytes() for p in (with_photo / "_site/images").iterdir()}
    assert run_cli("build", "--no-cache", "--output", str(with_photo / "other")).code == 0
    assert {p.name: p.read_bytes() for p in (with_photo / "other/images").iterdir()} == first


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels, with (almost) no pixel data: what a decompression bomb starts with."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


def animated_gif() -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


HINT = "save it again as .jpg or .png, at most 4000 pixels wide"


@pytest.mark.parametrize(("name", "data", "message"), [
    pytest.param("bomb.png", bomb_png(100_000, 100_000), "the picture has more pixels than it may", id="pillow-bomb"),
    pytest.param("big.png", bomb_png(8000, 6000), f"the picture is 8,000 x 6,000 pixels, more than the {MAX_PIXELS:,} a "
                 "picture may have", id="over-the-limit"),
    pytest.param("cut.jpg", phone_photo()[:3000], "this is not a JPEG picture that can be read (OSError", id="cut-short"),
    pytest.param("text.jpg", b"not a picture at all", "this is not a JPEG picture that can be read (UnidentifiedImageError",
                 id="not-a-picture"),
    pytest.param("png.jpg", picture(kind="PNG"), "this is not a JPEG picture that can be read (UnidentifiedImageError",
                 id="wrong-format"),
    pytest.param("moving.gif", animated_gif(), "animated pictures are not published: movement that cannot be paused can "
                 "distract or harm readers (save one still frame as .png or .jpg)", id="animated"),
])  # fmt: skip
def test_a_picture_that_cannot_be_published_is_a_one_line_problem(site_dir: Path, run_cli: Callable[..., Run], name: str,
                                                                  data: bytes, message: str) -> None:  # fmt: skip
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / f"content/images/{name}").write_bytes(data)
    for command in ("check", "build"):
        result = run_cli(command)
        assert result.code == 1
        errors = [line for line in result.err.splitlines() if ": file: " in line]
        assert len(errors) == 1 and errors[0].startswith(f"content/images/{name}:1: file: {message}"), result.err
        assert "Traceback" not in result.err
    assert not (site_dir / "_site").exists()


def test_pixels_are_checked_before_any_are_decoded() -> None:
    with pytest.raises(Unusable, match=r"^the picture is 8,000 x 6,000 pixels"):
        decoded(StaticFile("images/big.png", bomb_png(8000, 6000), "content/images/big.png"))


def test_a_phones_multi_picture_jpeg_is_published_from_its_first_picture(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (255, 0, 0)).save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (50, 40), (0, 255, 0))])
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/phone.jpg").write_bytes(out.getvalue())
    assert run_cli("build").code == 0
    copy = Image.open(io.BytesIO((site_dir / "_site/images/phone-50w.jpg").read_bytes()))
    assert copy.format == "JPEG" and copy.getpixel((25, 20))[0] > 200  # the first picture, red


def test_a_still_gif_is_published_as_png_copies(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/still.gif").write_bytes(picture((30, 20), "GIF"))
    assert run_cli("build").code == 0
    assert Image.open(io.BytesIO((site_dir / "_site/images/still-30w.png").read_bytes())).format == "PNG"


@pytest.mark.parametrize(("fields", "expected"), [
    ("image: images/photo.jpg\n", "9: image_alt: missing: an image needs image_alt, a short description of the picture for "
     "people who cannot see it (or 'image_decorative: true' when it only decorates)"),
    ("image: images/photo.jpg\nimage_alt: A garden\nimage_decorative: true\n",
     "10: image_alt: a decorative picture has no alt text (remove image_alt, or image_decorative if the picture shows something)"),
    ("image_caption: Our garden\n", "9: image_caption: there is no picture for image_caption (add 'image: images/garden.jpg', "
     "or remove image_caption)"),
    ("image_decorative: true\n", "9: image_decorative: there is no picture for image_decorative (add 'image: "
     "images/garden.jpg', or remove image_decorative)"),
])  # fmt: skip
def test_a_story_picture_needs_alt_text_unless_decorative(site_dir: Path, run_cli: Callable[..., Run],
                                                          content_files: dict[str, str], fields: str, expected: str) -> None:  # fmt: skip
    story = content_files["stories/memory-cafe.md"]
    head, rest = story.split("\n---\n", 1)
    (site_dir / "content/stories/memory-cafe.md").write_text(f"{head}\n{fields}---\n{rest}")
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/photo.jpg").write_bytes(picture())
    result = run_cli("check")
    assert f"content/stories/memory-cafe.md:{expected}" in result.err.splitlines(), result.err


def test_a_decorative_picture_has_empty_alt(site_dir: Path, run_cli: Callable[..., Run], content_files: dict[str, str]) -> None:
    head, rest = content_files["stories/memory-cafe.md"].split("\n---\n", 1)
    (site_dir / "content/stories/memory-cafe.md").write_text(f"{head}\nimage: images/photo.jpg\nimage_decorative: true\n---\n{rest}")
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/photo.jpg").write_bytes(picture())
    assert run_cli("build").code == 0
    assert 'width="40" height="30" alt="">' in (site_dir / "_site/stories/memory-cafe/index.html").read_text()


def test_a_body_picture_needs_alt_text(site_dir: Path, run_cli: Callable[..., Run], content_files: dict[str, str]) -> None:
    story = content_files["stories/memory-cafe.md"].replace("Body text.\n", "![](images/photo.jpg)\n")
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/photo.jpg").write_bytes(picture())
    result = run_cli("check")
    assert result.code == 1
    assert ("content/stories/memory-cafe.md:10: body: the picture 'images/photo.jpg' has no alt text (write what it shows "
            "between the brackets, like ![Carers planting a garden](images/photo.jpg), for people who cannot see it)") in result.err


def test_the_build_cache_keeps_pictures_like_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unchanged picture is not decoded (nor encoded) again; a new one is decoded once, for its plan and copies."""
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    paths = Paths(tmp_path / "content", tmp_path / "templates", tmp_path / "_site", tmp_path, tmp_path / ".cache/build")
    assert build(paths, BuildOptions(today=TODAY)).state == "built"
    decoded_now: list[str] = []
    real = cmi_site.pictures.decoded
    monkeypatch.setattr(cmi_site.pictures, "decoded", lambda image: decoded_now.append(image.output_path) or real(image))
    story = tmp_path / "content/stories/jobs-support-luton.md"
    story.write_text(story.read_text() + "\nOne more line.\n")  # so that the build is not skipped as unchanged
    result = build(paths, BuildOptions(today=TODAY))
    assert (result.state, result.cache_failure, decoded_now) == ("built", None, [])
    (tmp_path / "content/images/new.png").write_bytes(picture((600, 400), "PNG"))
    result = build(paths, BuildOptions(today=TODAY))
    assert (result.state, result.cache_failure, decoded_now) == ("built", None, ["images/new.png"])
    assert (tmp_path / "_site/images/new-480w.png").exists()


SEEDS = {"photo.jpg": picture((64, 48)), "flat.png": picture((64, 48), "PNG"), "still.gif": picture((64, 48), "GIF"),
         "web.webp": picture((64, 48), "WEBP")}  # fmt: skip


@pytest.mark.fuzz
@given(name=st.sampled_from(sorted(SEEDS)), at=st.integers(0, 10_000), junk=st.binary(min_size=1, max_size=16), cut=st.booleans())
def test_a_damaged_picture_is_a_problem_or_published_never_a_crash(name: str, at: int, junk: bytes, cut: bool) -> None:
    """Any picture, damaged anywhere (bytes overwritten, or cut short there), is either published as
    copies with no metadata or one problem of its file: never an exception."""
    seed = SEEDS[name]
    at %= len(seed)
    data = seed[:at] if cut else seed[:at] + junk + seed[at + len(junk):]
    image = StaticFile(f"images/{name}", data, f"content/images/{name}")
    pictures, problems = plan_pictures([image])
    if pictures:
        assert problems == []
        for copy in picture_files(image, pictures[0]):
            assert not Image.open(io.BytesIO(copy.data)).getexif()
    else:
        assert len(problems) == 1 and problems[0].path == f"content/images/{name}" and "\n" not in problems[0].message


def test_the_share_form_offers_only_pictures_the_site_publishes(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/photo.jpg").write_bytes(picture())
    (site_dir / "content/images/drawing.svg").write_text("<svg/>")  # never published, so never offered
    assert run_cli("build").code == 0
    form = (site_dir / "_site/share/index.html").read_text(encoding="utf-8")
    assert '<option value="images/photo.jpg">' in form and "drawing.svg" not in form
