"""content/images -> the pictures the site publishes, with Pillow. Pure: bytes in, bytes out.

Photos from phones carry GPS coordinates, the owner's name and the time (EXIF, XMP, IPTC, comments):
publishing them can tell where a person lives. So a picture's file is never published. It is decoded,
turned upright (its EXIF orientation applied), converted to sRGB, and encoded again from its pixels
alone, at a few widths (never wider than it is): no metadata of any kind can survive, because none is
copied. The encoders' settings are fixed, so the same picture always gives the same bytes.

Pictures are hostile input, so the work is bounded before anything is decoded: only JPEG, PNG, GIF and
WebP are opened (never the other formats Pillow knows), the file size is bounded by load.py, the
pixel count by MAX_PIXELS (a decompression bomb is a problem, not a hang), a JPEG is decoded at the
smallest scale that still gives the widest copy, and an animated picture (GIF, WebP) is refused: its
movement cannot be paused, which can distract or harm readers (WCAG 2.2.2), and a first frame alone
may not show what the editor meant. A phone's multi-picture JPEG (MPO) is published from its first
picture, the photo itself.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from .chars import quoted
from .errors import Problem
from .models import Output, Picture, StaticFile, Variant

if TYPE_CHECKING:
    from PIL import Image, ImageCms

# Pillow is imported where a picture is decoded or encoded, not with this module: a build whose
# pictures are all in the build cache never loads it (~40 ms of every one-story rebuild).

WIDTHS = (480, 960, 1600)  # the copies' widths in pixels; a narrower picture is published at its own width
MAX_PIXELS = 40_000_000  # far beyond any phone photo saved at 10 MB; a bomb of 100,000 x 100,000 is refused
FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}  # extension -> what it must be
# How each format is published: a GIF as PNG (no palette to quantise again); the file's extension.
PUBLISHED = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": "WEBP"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
HINT = "save it again as .jpg or .png, at most 4000 pixels wide"


class Unusable(Exception):
    """A picture the site cannot publish; its message says why, for the editor."""


def is_picture(path: str) -> bool:
    """Whether a file of content/images is a picture the site publishes (by its extension)."""
    return path.rsplit(".", 1)[-1].lower() in FORMATS if "." in path else False


def plan_pictures(images: list[StaticFile], planned: Callable[[StaticFile], Picture] | None = None,
                  ) -> tuple[tuple[Picture, ...], list[Problem]]:  # fmt: skip
    """Every file of content/images -> how each picture is published, and the problems of those that
    cannot be (unreadable, too many pixels, animated, not a picture, a copy's name taken). planned:
    plan, or what gives the same (the build cache's, speed/pictures.py)."""
    planned = planned or plan
    pictures: list[Picture] = []
    problems: list[Problem] = []
    taken = {image.output_path for image in images}
    for image in sorted(images, key=lambda i: i.output_path):
        if not is_picture(image.output_path):
            problems.append(Problem(image.source, 1, "file", "not published: only .jpg, .jpeg, .png, .gif and .webp pictures "
                                    "are published from content/images (an SVG can carry scripts)", "warning"))  # fmt: skip
            continue
        try:
            picture = planned(image)
        except Unusable as err:
            problems.append(Problem(image.source, 1, "file", str(err)))
            continue
        clash = next((v.path for v in picture.variants if v.path in taken), None)
        if clash is not None:
            problems.append(Problem(image.source, 1, "file", f"its copy {quoted(clash)} would take the name of another "
                                    "file in content/images (rename one of them)"))  # fmt: skip
            continue
        taken.update(v.path for v in picture.variants)
        pictures.append(picture)
    return tuple(pictures), problems


def plan(image: StaticFile) -> Picture:
    """A picture's file -> the copies it is published as (decoded in full: a file that cannot be is Unusable)."""
    return _planned(image, decoded(image))


def _planned(image: StaticFile, upright: Image.Image) -> Picture:
    width, height = upright.size
    return Picture(image.output_path, tuple(Variant(_name(image, w), w, _scaled(width, height, w)) for w in widths(width)))


def publish(image: StaticFile) -> tuple[Picture, list[Output]]:
    """plan and picture_files with one decoding (what the build cache keeps); Unusable as plan."""
    upright = decoded(image)
    picture = _planned(image, upright)
    return picture, _copies(image, picture, upright)


def widths(width: int) -> list[int]:
    """The widths a picture this wide is published at: each of WIDTHS narrower than it, and its own (at most the widest)."""
    return [w for w in WIDTHS if w < min(width, WIDTHS[-1])] + [min(width, WIDTHS[-1])]


def picture_files(image: StaticFile, picture: Picture) -> list[Output]:
    """A picture's published copies (planned by plan), encoded from its pixels alone."""
    return _copies(image, picture, decoded(image))


def _copies(image: StaticFile, picture: Picture, upright: Image.Image) -> list[Output]:
    from PIL import Image

    kind = PUBLISHED[_format(image)]
    return [Output(v.path, _encode(upright.resize((v.width, v.height), Image.Resampling.LANCZOS), kind)) for v in picture.variants]


def decoded(image: StaticFile) -> Image.Image:
    """A picture's bytes -> its pixels, upright, in sRGB, as RGB or RGBA; Unusable when it cannot be (bounded work)."""
    from PIL import Image, ImageOps

    expected = _format(image)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(image.data), formats=[expected])
            _bounded(opened)
            if expected == "JPEG":
                opened.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))  # decode at 1/2, 1/4, 1/8 scale when that still gives the widest copy
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            return _srgb(upright, opened.info.get("icc_profile"))
        except Unusable:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            raise Unusable(f"the picture has more pixels than it may ({HINT})") from err
        except Exception as err:  # a damaged file can raise anything from any decoder
            raise Unusable(f"this is not a {expected} picture that can be read ({type(err).__name__}; {HINT})") from err


def _bounded(opened: Image.Image) -> None:
    """Refuse, before decoding, a picture with too many pixels or more than one frame."""
    width, height = opened.size
    if width * height > MAX_PIXELS:
        raise Unusable(f"the picture is {width:,} x {height:,} pixels, more than the {MAX_PIXELS:,} a picture may have ({HINT})")
    # A phone's JPEG may hold more pictures after the first (MPO: a depth map, a preview): those are
    # not frames of a movement, and only the first is ever decoded.
    if getattr(opened, "n_frames", 1) > 1 and opened.format != "MPO":
        raise Unusable("animated pictures are not published: movement that cannot be paused can distract or harm "
                       "readers (save one still frame as .png or .jpg)")  # fmt: skip


def _srgb(picture: Image.Image, icc: object) -> Image.Image:
    """Pixels as RGB or RGBA in sRGB (a phone's Display P3 photo keeps its colours; a damaged profile is ignored)."""
    from PIL import ImageCms

    alpha = picture.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in picture.info
    plain = picture.convert("RGBA" if alpha else "RGB")
    if isinstance(icc, bytes) and icc:
        try:
            converted = ImageCms.profileToProfile(plain, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _srgb_profile(), outputMode=plain.mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            plain = converted
    return plain


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _encode(pixels: Image.Image, kind: str) -> bytes:
    """Pixels -> a file of that format holding nothing else: a new image is made from the raw pixels, so no
    metadata (EXIF, XMP, IPTC, ICC, comments, text chunks) of the source can be copied; fixed settings."""
    from PIL import Image

    bare = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "JPEG":
        bare.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True, subsampling="4:2:0")
    elif kind == "PNG":
        bare.save(out, "PNG", optimize=False, compress_level=9)
    else:
        bare.save(out, "WEBP", quality=80, method=4, exact=False)
    return out.getvalue()


def _format(image: StaticFile) -> str:
    return FORMATS[image.output_path.rsplit(".", 1)[-1].lower()]


def _name(image: StaticFile, width: int) -> str:
    """images/garden.jpg -> images/garden-960w.jpg (a GIF's copies are .png)."""
    stem = image.output_path.rsplit(".", 1)[0]
    return f"{stem}-{width}w.{EXTENSIONS[PUBLISHED[_format(image)]]}"


def _scaled(width: int, height: int, new_width: int) -> int:
    """The height of a copy new_width wide (at least one pixel)."""
    return max(1, round(height * new_width / width))
