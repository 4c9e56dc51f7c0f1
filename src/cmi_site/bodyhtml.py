"""Python-Markdown's HTML -> the HTML a body may publish, and what was in it that the build checks.

nh3 (the Rust `ammonia` sanitizer) keeps a small allow-list of tags and attributes; its
attribute_filter then decides, for each attribute it kept, what the page gets:

- an image's source must name a picture in content/images (`images/x.jpg` or `/images/x.jpg`,
  published as `/images/x.jpg`): anything else (another website, `//host`, `data:` ...) would make
  every visitor's browser fetch it, telling that host who read the page. It is removed, and the
  survey says so, for validate to report as an error.
- every id is put in CONTENT_ID_PREFIX's namespace, which templates never use, and made unique on
  the page: a heading in a body can never take over an id a template's skip link, labels or charts
  point at. Links to `#fragment` in a body are put in the same namespace, so they keep pointing at
  the body's headings (TEMPLATE_ANCHORS, the page's own anchors the editors' guide names, excepted).

Nothing else in the allow-list can make a browser fetch without a click: no srcset, poster,
background, style or CSS, and no <picture>, <source>, <link>, <object>, <video> or <svg> elements.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape as html_escape
from html import unescape as html_unescape

import nh3
from markdown.extensions.toc import slugify

from .models import Picture

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "small", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "dir"},
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    **{f"h{n}": {"id"} for n in range(2, 7)},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}  # of links; images are never absolute
# nh3 drops a URL of any other scheme before attribute_filter sees it; data: is let through to the
# filter so that a data: image is reported (the filter removes every data: URL).
_SEEN_SCHEMES = URL_SCHEMES | {"data"}
# Removed with everything inside them, not just the tags.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}

CONTENT_ID_PREFIX = "section--"  # no slug has "--", so no heading can make one; templates never use it
TEMPLATE_ANCHORS = frozenset({"easy-read"})  # the page's own ids that docs/content.md tells editors to link to
# An image in a body: a path under images/, of plain URL path characters, no '.' or '..' segment.
_LOCAL_IMAGE = re.compile(r"/?(images(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_SLUG = re.compile(r"[a-z0-9_-]*")
_URL_IGNORED = re.compile(r"[\t\n\r]|^[\x00-\x20]+|[\x00-\x20]+$")  # what a browser strips from a URL first
_MARK = "data-cmi-img"  # nh3 adds it to each <img> after its own attributes, so the filter sees each image end


@dataclass(frozen=True)
class BodyImage:
    """An <img> of a body: its source as written (None when the sanitizer removed one of a scheme it
    never passes on), and the file under content/ it names (None when it names none)."""

    src: str | None
    path: str | None
    alt: str = ""  # its text for people who cannot see it ("" when it has none)


@dataclass
class _Survey:
    """What the filter saw of one body while sanitising it."""

    images: list[BodyImage] = field(default_factory=list)
    src: str | None = None  # the source of the <img> being filtered
    alt: str = ""  # its alt text
    ids: set[str] = field(default_factory=set)  # given so far
    suffixes: dict[str, int] = field(default_factory=dict)  # id -> the last _n added to it


def sanitize(html: str) -> tuple[str, tuple[BodyImage, ...]]:
    """Any HTML -> only the allowed tags, attributes and URLs, and every <img> it had."""
    survey = _Survey()
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=lambda tag, name, value: _filter(survey, tag, name, value),
        set_tag_attribute_values={"img": {_MARK: ""}},
        url_schemes=_SEEN_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return clean, tuple(survey.images)


def _filter(survey: _Survey, tag: str, name: str, value: str) -> str | None:
    """One attribute nh3 kept -> its published value, or None to drop it."""
    if tag == "img":
        if name == "src":
            survey.src = value
            return local_image(value)
        if name == "alt":
            survey.alt = value
        if name == _MARK:  # the last attribute of each <img>
            path = local_image(survey.src) if survey.src is not None else None
            survey.images.append(BodyImage(survey.src, urllib.parse.unquote(path[1:]) if path else None, survey.alt))
            survey.src, survey.alt = None, ""
            return None
    elif name == "id":
        return _unique(content_id(value), survey)
    elif name == "href":
        return _link(value)
    return value


def local_image(src: str) -> str | None:
    """An image source -> the site-root path of the picture under images/ it names, or None."""
    match = _LOCAL_IMAGE.fullmatch(src)
    if match is None or any(urllib.parse.unquote(part) in (".", "..") for part in match.group(1).split("/")):
        return None
    return f"/{match.group(1)}"


def content_id(name: str) -> str:
    """A heading's id as written, or a link's fragment -> the id the page gives it."""
    rest = name.removeprefix(CONTENT_ID_PREFIX)
    if _SLUG.fullmatch(rest) and "--" not in rest:  # a slug already (toc's ids): slugify would give it back
        return CONTENT_ID_PREFIX + rest
    return CONTENT_ID_PREFIX + slugify(rest, "-")


def _unique(ident: str, survey: _Survey) -> str:
    """An id, with _1, _2 ... added if the body has it already (as Python-Markdown's toc does); the
    last suffix of each id is kept, so a thousand equal ids cost a thousand steps, not a million."""
    candidate, count = ident, survey.suffixes.get(ident, 0)
    while candidate in survey.ids:
        count += 1
        candidate = f"{ident}_{count}"
    survey.suffixes[ident] = count
    survey.ids.add(candidate)
    return candidate


def _link(href: str) -> str | None:
    """A link's address -> as published: no data: URLs; a fragment on this site in the body's namespace."""
    plain = _URL_IGNORED.sub("", href)
    scheme = _SCHEME.match(plain)
    if scheme is not None:
        return None if scheme.group(0).lower() == "data:" else href
    if plain.startswith(("//", "\\\\", "/\\", "\\/")) or "#" not in href:
        return href  # another website, or no fragment
    path, _, fragment = href.partition("#")
    if not fragment or urllib.parse.unquote(fragment) in TEMPLATE_ANCHORS:
        return href
    return f"{path}#{content_id(urllib.parse.unquote(fragment))}"


# In nh3's output a '<' always starts a tag (text and attribute values have it as &lt;), attributes
# are always name="value" and a value never holds '"' (it is &quot;): so this finds exactly the
# href and src attributes of tags, never text that looks like one (a code sample, a title).
_ROOT_ATTRIBUTE = re.compile(r'(<[a-z][a-z0-9]*(?: [a-z][a-z0-9-]*="[^"]*")*? (?:href|src)=")/(?![/\\])([^"]*)"')


def rewrite_root_links(html: str, relative: Callable[[str], str]) -> str:
    """Sanitised HTML -> the same, each site-root href or src (/take-part/) replaced by relative(route)."""
    return _ROOT_ATTRIBUTE.sub(lambda m: f'{m.group(1)}{relative(m.group(2))}"', html)


_IMG = re.compile(r'<img((?: [a-z][a-z0-9-]*="[^"]*")*)>')  # in nh3's output, as _ROOT_ATTRIBUTE explains
_ATTRIBUTE = re.compile(r' ([a-z][a-z0-9-]*)="([^"]*)"')
SIZES = "(min-width: 44rem) 42rem, calc(100vw - 2rem)"  # the prose column: --measure in site.css, or the screen
_SET_HERE = {"src", "srcset", "sizes", "width", "height", "loading", "decoding"}


def rewrite_pictures(html: str, pictures: Mapping[str, Picture], relative: Callable[[str], str]) -> str:
    """Sanitised HTML -> the same, each <img> of a picture in content/images given its published copies
    (src, srcset, sizes) and their size (width, height: the page does not jump as they load), links
    made relative. The editor's own width and height are replaced: the copies' are the true ones."""

    def link(path: str) -> str:
        return html_escape(urllib.parse.quote(relative(path)))

    def one(match: re.Match[str]) -> str:
        attributes = _ATTRIBUTE.findall(match.group(1))
        src = dict(attributes).get("src", "")
        picture = pictures.get(urllib.parse.unquote(html_unescape(src))[1:]) if src.startswith("/") else None
        if picture is None:
            return match.group(0)
        kept = "".join(f' {name}="{value}"' for name, value in attributes if name not in _SET_HERE)
        srcset = ", ".join(f"{link(v.path)} {v.width}w" for v in picture.variants)
        big = picture.largest
        return (f'<img{kept} src="{link(big.path)}" srcset="{srcset}" sizes="{SIZES}" width="{big.width}" '
                f'height="{big.height}" loading="lazy" decoding="async">')  # fmt: skip

    return _IMG.sub(one, html)
