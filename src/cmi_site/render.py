"""Render stage: PageJob -> bytes, with the site's templates. The only module that knows jinja2 (speed/
fingerprints templates through the Renderer).

Every link a template writes goes through `href`, which makes it relative to the page being written
and points folders at their index.html, so the output works from disk, at a domain root and under
any sub-path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import posixpath
import re
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import easyread, evidence_chart, rag, tilemap
from . import site as routes
from .bodyhtml import rewrite_pictures, rewrite_root_links
from .errors import Problem, TemplateFailure
from .load import display_path
from .models import APPROACHES, Event, PageJob
from .safe_files import ContainedLoader
from .site import Site, output_path, route_of
from .typography import smart_quotes

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# {% extends "base.html" %}, include, import, from: a regular expression is 100 times faster than
# jinja's parser and errs on the safe side (a tag in a comment counts; any other form is "dynamic").
_TEMPLATE_REF = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+(["'])([^"']+)\1""")
_DYNAMIC_REF = re.compile(
    r"""\{%-?\s*(?:extends|include|import|from)\s+(?!(["'])[^"']+\1\s*(?:-?%\}|as\s|import\s|with\s|without\s|ignore\s))"""
)


# ---- helpers the templates use ------------------------------------------------------------------


def relative_url(from_path: str, route: str) -> str:
    """A route, as a link from the file at from_path: 'stories/a/index.html' + 'areas/' -> '../../areas/index.html'."""
    route, hash_, fragment = route.partition("#")
    target = output_path(route)
    if target.startswith("/") or "//" in target or "/." in f"/{target}":  # unusual: let posixpath normalise it
        link = posixpath.relpath(target, posixpath.dirname(from_path) or ".")
    else:
        link = _relative_path(from_path, target)
    return f"{link}{hash_}{fragment}"


def _relative_path(from_path: str, target: str) -> str:
    """posixpath.relpath(target, dirname(from_path)) for clean relative paths, without its slow normalising."""
    here = from_path.split("/")[:-1]
    there = target.split("/")
    common = 0
    for a, b in zip(here, there, strict=False):  # the shorter path ends the common part
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


def human_date(value: dt.date | dt.datetime) -> str:
    """2025-03-14 -> '14 March 2025' (no locale, so every machine writes the same bytes)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def human_time(value: dt.datetime) -> str:
    """10:00 -> '10am', 12:30 -> '12:30pm' (GOV.UK style)."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    if value.hour == 12 and not value.minute:
        return "midday"
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def event_when(event: Event) -> str:
    """When an event happens, in words: 'Thursday 11 February 2027, 10am to 12:30pm'."""
    start, end = event.start, event.end
    day = f"{DAYS[start.weekday()]} {human_date(start)}"
    if isinstance(start, dt.datetime):
        text = f"{day}, {human_time(start)}"
        if isinstance(end, dt.datetime) and end.date() == start.date():
            return f"{text} to {human_time(end)}"
    else:
        text = day
    if end is not None and (end.date() if isinstance(end, dt.datetime) else end) != event.start_date:
        end_text = f"{DAYS[end.weekday()]} {human_date(end)}"
        if isinstance(end, dt.datetime):
            end_text += f", {human_time(end)}"
        return f"{text} to {end_text}"
    return text


def iso(value: dt.date | dt.datetime) -> str:
    return value.isoformat(timespec="minutes") if isinstance(value, dt.datetime) else value.isoformat()


def plural(count: int, one: str, many: str | None = None) -> str:
    """3, 'story', 'stories' -> '3 stories'."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def word_list(words: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}" if words else ""


def make_env(templates: Path, site: Site, bytecode: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """The jinja2 environment: autoescape on, undefined names fail, and the site's helpers
    (bytecode: where compiled templates are kept between builds, cache.template_bytecode)."""
    env = jinja2.Environment(
        loader=ContainedLoader(templates, f"{display_path(templates, Path.cwd())}/"),  # no link out of templates/
        bytecode_cache=bytecode,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(site_helpers(site))
    env.filters.update(date=human_date, iso=iso, body=body, smart=smart_quotes)
    env.tests["stale"] = lambda signatory: routes.is_stale(signatory, site.today)  # `s is stale` in templates
    return env


@jinja2.pass_context
def body(ctx: Any, html: str) -> Markup:
    """Sanitised body HTML with the editor's site-root links (/take-part/) and images made
    relative: only real href and src attributes, never code or text that looks like one."""
    def relative(route: str) -> str:
        return relative_url(ctx["page_path"], route)

    return Markup(rewrite_root_links(rewrite_pictures(html, ctx["site"].pictures, relative), relative))  # noqa: S704 - sanitised by markup.py


def site_helpers(site: Site) -> dict[str, Any]:
    """The globals every template can use: the site, links, and the pictures and tallies made from it."""

    @jinja2.pass_context
    def href(ctx: Any, target: Any) -> str:
        route = target if isinstance(target, str) else route_of(target)
        if ctx.get("absolute_links") and site.settings.base_url:
            return f"{site.settings.base_url}{output_path(route)}"
        return relative_url(ctx["page_path"], route)

    glance = tilemap.region_at_a_glance(site)

    @jinja2.pass_context
    def region_map(ctx: Any) -> Markup:
        """The tile map SVG, its links relative to the page (ElementTree escapes every text and attribute)."""
        return Markup(tilemap.tile_map_svg(glance, lambda route: relative_url(ctx["page_path"], route)))  # noqa: S704

    return dict(
        site=site, href=href, edit_url=lambda item: routes.edit_url(site.settings, item.source), routes=routes, approaches=APPROACHES,
        sector_route=routes.sector_route, theme_route=routes.theme_route, event_when=event_when, plural=plural, word_list=word_list,
        easy_read_blocks=easyread.blocks, calendar_route=routes.calendar_route,
        change_request_urls=lambda route, title: routes.change_request_urls(site.settings, route, title),
        region_glance=glance, region_map=region_map, map_swatch=lambda shade: Markup(tilemap.swatch_svg(shade)),  # noqa: S704 - made from numbers only
        rag_tally=lambda stories: rag.tally_ratings(stories, site.statements),
        rag_chart=lambda picture, ident, where: Markup(rag.chart_svg(picture, ident, where)),  # noqa: S704 - escaped by rag.py
        evidence_chart=lambda bars, ident, title, desc: Markup(evidence_chart.bars_svg(bars, ident, title, desc)),  # noqa: S704 - escaped there
    )  # fmt: skip


# ---- the renderer: PageJob -> bytes -------------------------------------------------------------


class Renderer:
    """The templates of one site: a PageJob -> the page's bytes. site may stand in for the Site (the
    build cache's TrackedSite notes what each page reads)."""

    def __init__(self, templates: Path, site: Site, bytecode: jinja2.BytecodeCache | None = None) -> None:
        self.env = make_env(templates, site, bytecode)

    def render(self, job: PageJob) -> bytes:
        """One page; TemplateFailure (with the template's file and line) when a template goes wrong."""
        with template_errors(self.env):
            return self.env.get_template(job.template).render(**job.context).encode("utf-8")

    def helpers(self) -> list[tuple[str, str, Any]]:
        """Everything a template can call or read besides its context: (kind, name, value), sorted."""
        tables = (("global", self.env.globals), ("filter", self.env.filters), ("test", self.env.tests))
        return [(kind, name, table[name]) for kind, table in tables for name in sorted(table)]

    def template_sources(self, name: str) -> dict[str, str]:
        """A template and every template it extends, includes or imports: name -> source."""
        return template_sources(self.env, name)


# ---- a template's mistakes, for whoever edited it -----------------------------------------------


_HINTS = {
    jinja2.UndefinedError: "every name a template uses must be given to it or be one of the site's helpers",
    jinja2.TemplateSyntaxError: "jinja2 template syntax, see https://jinja.palletsprojects.com/templates/",
    jinja2.TemplateNotFound: "a template that extends, includes or imports another names a file in templates/",
}


@contextlib.contextmanager
def template_errors(env: jinja2.Environment) -> Iterator[None]:
    """Turn jinja2's exceptions, and any other raised by a template's expression ({{ "a" + 1 }}),
    into a TemplateFailure naming the template's file and line."""
    try:
        yield
    except TemplateFailure:
        raise
    except jinja2.TemplateError as error:
        raise TemplateFailure(template_problem(error, env)) from error
    except Exception as error:
        if _template_line(error, _folder(env)) is None:  # not from a template: a bug in this package, shown as one
            raise
        raise TemplateFailure(template_problem(error, env)) from error


def _folder(env: jinja2.Environment) -> str:
    return os.path.abspath(str(getattr(env.loader, "searchpath", ["templates"])[0]))


def _template_line(error: BaseException, folder: str) -> tuple[str, int] | None:
    """The innermost line of a template (a file in folder) in an exception's traceback: jinja2 puts
    the templates' lines there."""
    found = None
    for frame, line in traceback.walk_tb(error.__traceback__):
        if os.path.abspath(frame.f_code.co_filename).startswith(folder + os.sep):
            found = frame.f_code.co_filename, line
    return found


def template_problem(error: Exception, env: jinja2.Environment) -> Problem:
    """Where a template went wrong and what happened."""
    folder = _folder(env)
    path, line = folder, 1
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        path, line = error.filename, error.lineno
    else:
        if isinstance(error, jinja2.TemplateNotFound):
            path = os.path.join(folder, str(error.name))
        path, line = _template_line(error, folder) or (path, line)
    shown = display_path(Path(path), Path.cwd())  # as content problems are shown (the CLI's root is the working folder)
    hint = next((text for kind, text in _HINTS.items() if isinstance(error, kind)),
                "an expression in the template failed while the page was made")  # fmt: skip
    if isinstance(error, jinja2.TemplateNotFound):
        what = f"{error.name} is not there"
    elif isinstance(error, jinja2.TemplateError):
        what = error.message or type(error).__name__
    else:
        what = f"{type(error).__name__}: {error}"
    return Problem(shown, line, "template", f"{what} ({hint})")


def template_sources(env: jinja2.Environment, name: str) -> dict[str, str]:
    """A template's source and the source of every template it extends, includes or imports, however
    deep (a missing one as "\0missing"); every template when one is chosen at run time."""
    if env.loader is None:  # a bug, not a content mistake: make_env always gives one
        raise TypeError("template_sources needs an environment with a template loader")
    seen: dict[str, str] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            try:
                seen[current] = env.loader.get_source(env, current)[0]
            except jinja2.TemplateNotFound:  # '{% include "x" ignore missing %}': its absence counts too
                seen[current] = "\0missing"
            if _DYNAMIC_REF.search(seen[current]):  # a template chosen at run time: it may be any of them
                return {n: env.loader.get_source(env, n)[0] for n in sorted(env.list_templates())}
            todo += [m.group(2) for m in _TEMPLATE_REF.finditer(seen[current])]
    return dict(sorted(seen.items()))
