"""Render stage: Site + templates -> [Output(path, bytes)]. The only module that knows jinja2.

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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import jinja2
from markupsafe import Markup

from . import easyread, rag, tilemap
from . import site as routes
from .bodyhtml import rewrite_root_links
from .errors import Problem
from .load import display_path
from .models import APPROACHES, Event, Output, Term
from .safe_files import ContainedLoader
from .schema import STORY_FIELDS
from .site import Paged, Site, output_path, paginate, route_of
from .track import digest

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

    @jinja2.pass_context
    def href(ctx: Any, target: Any) -> str:
        route = target if isinstance(target, str) else route_of(target)
        if ctx.get("absolute_links") and site.settings.base_url:
            return f"{site.settings.base_url}{output_path(route)}"
        return relative_url(ctx["page_path"], route)

    @jinja2.pass_context
    def body(ctx: Any, html: str) -> Markup:
        """Sanitised body HTML with the editor's site-root links (/take-part/) and images made
        relative: only real href and src attributes, never code or text that looks like one."""
        return Markup(rewrite_root_links(html, lambda route: relative_url(ctx["page_path"], route)))  # noqa: S704 - sanitised by markup.py

    env.globals.update(
        site=site, href=href, edit_url=lambda item: routes.edit_url(site.settings, item.source), routes=routes, approaches=APPROACHES, sector_route=routes.sector_route,
        theme_route=routes.theme_route, event_when=event_when, plural=plural, word_list=word_list,
    )  # fmt: skip
    env.globals.update(easy_read_blocks=easyread.blocks, calendar_route=routes.calendar_route)
    env.tests["stale"] = lambda signatory: routes.is_stale(signatory, site.today)  # `s is stale` in templates
    glance = tilemap.region_at_a_glance(site)

    @jinja2.pass_context
    def region_map(ctx: Any) -> Markup:
        """The tile map SVG, its links relative to the page (ElementTree escapes every text and attribute)."""
        return Markup(tilemap.tile_map_svg(glance, lambda route: relative_url(ctx["page_path"], route)))  # noqa: S704

    swatch = lambda shade: Markup(tilemap.swatch_svg(shade))  # noqa: E731, S704 - made from numbers only
    env.globals.update(region_glance=glance, region_map=region_map, map_swatch=swatch)
    env.filters.update(date=human_date, iso=iso, body=body)
    env.globals.update(
        rag_tally=lambda stories: rag.tally_ratings(stories, site.statements),
        rag_chart=lambda picture, ident, where: Markup(rag.chart_svg(picture, ident, where)),  # noqa: S704 - escaped by rag.py
    )  # fmt: skip
    return env


# ---- one function per page kind -----------------------------------------------------------------


def page(env: jinja2.Environment, template: str, route: str, **context: Any) -> Output:
    """Render one template to the file for route (or, in a build that renders later, say what to render)."""
    path = output_path(route)
    settings = cast(Site, env.globals["site"]).settings  # jinja types its globals as object; make_env put the Site there
    canonical = f"{settings.base_url}{route}" if settings.base_url and route is not None else None
    deferred = getattr(env, "deferred_pages", None)
    if deferred is not None:  # incremental.Pages: rendered later, on every core, or kept from the last build
        return deferred.add(template, path, dict(page_path=path, route=route, canonical=canonical, **context))  # type: ignore[no-any-return]
    with template_errors(env):
        html = env.get_template(template).render(page_path=path, route=route, canonical=canonical, **context)
    return Output(path, html.encode("utf-8"))


def render_template(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    """One deferred page: a template and its whole context -> the file's bytes."""
    with template_errors(env):
        return env.get_template(template).render(**context).encode("utf-8")


# ---- a template's mistakes, for whoever edited it -----------------------------------------------


class TemplateFailure(Exception):
    """A template could not be rendered; its problem says where and why. It pickles (workers raise it)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.problem = problem


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


def template_fingerprint(env: jinja2.Environment, name: str) -> str:
    """A hash of a template and of every template it extends, includes or imports, however deep."""
    if env.loader is None:  # a bug, not a content mistake: make_env always gives one
        raise TypeError("template_fingerprint needs an environment with a template loader")
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
                return digest(*(f"{n}\n{env.loader.get_source(env, n)[0]}" for n in sorted(env.list_templates())))
            todo += [m.group(2) for m in _TEMPLATE_REF.finditer(seen[current])]
    return digest(*(f"{n}\n{seen[n]}" for n in sorted(seen)))


def render_listing(env: jinja2.Environment, pages: list[Paged], template: str, **context: Any) -> list[Output]:
    return [page(env, template, paged.route, paged=paged, **context) for paged in pages]


def render_stories(env: jinja2.Environment, site: Site) -> list[Output]:
    out = render_listing(env, paginate(site.stories, routes.STORIES), "stories.html")
    out += [page(env, "story.html", route_of(s), story=s) for s in site.stories]
    return out


def render_pledge(env: jinja2.Environment, site: Site) -> list[Output]:
    out = [page(env, "register.html", routes.PLEDGE)]
    out += [page(env, "signatory.html", route_of(s), signatory=s) for s in site.signatories]
    return out


def render_areas(env: jinja2.Environment, site: Site) -> list[Output]:
    out = [page(env, "areas.html", routes.AREAS)]
    for area in site.areas:
        stories = site.stories_by_area.get(area.id, ())
        out += render_listing(env, paginate(stories, route_of(area)), "area.html", area=area)
    return out


def render_terms(env: jinja2.Environment, site: Site) -> list[Output]:
    """Sector and theme indexes, and one (paginated) page per sector and theme."""
    out = []
    kinds: list[tuple[str, str, tuple[Term, ...], Callable[[Term], str], Any]] = [
        ("sector", routes.SECTORS, site.sectors, routes.sector_route, site.stories_by_sector),
        ("theme", routes.THEMES, site.themes, routes.theme_route, site.stories_by_theme),
    ]
    for kind, index_route, terms, route_fn, stories_by in kinds:
        out.append(page(env, "terms.html", index_route, kind=kind, terms=terms, stories_by=stories_by))
        for term in terms:
            stories = stories_by.get(term.id, ())
            out += render_listing(env, paginate(stories, route_fn(term)), "term.html", kind=kind, term=term)
    return out


def render_events(env: jinja2.Environment, site: Site) -> list[Output]:
    out = [page(env, "events.html", routes.EVENTS)]
    out += [page(env, "event.html", route_of(e), event=e) for e in site.events]
    return out


def render_pages(env: jinja2.Environment, site: Site) -> list[Output]:
    return [page(env, "page.html", route_of(p), content_page=p) for p in site.pages]


def render_self_assessment(env: jinja2.Environment) -> Output:
    """The interactive RAG self-assessment: the statements as a form that never leaves the browser."""
    return page(env, "self-assessment.html", routes.SELF_ASSESSMENT)


def render_easy_read(env: jinja2.Environment, site: Site) -> Output:
    """easy-read/: every page with an Easy Read summary, linking to it."""
    return page(env, "easy-read.html", routes.EASY_READ, groups=easyread.easy_read_groups(site))


def render_share(env: jinja2.Environment, site: Site) -> Output:
    """The "Share your story" form: its choices from the content, which fields are required from the schema."""
    return page(
        env, "share.html", routes.SHARE, fields={spec.name: spec for spec in STORY_FIELDS},
        new_file_url=routes.new_file_url(site.settings), existing_slugs=sorted(s.slug for s in site.stories),
    )  # fmt: skip


def render_not_found(env: jinja2.Environment) -> Output:
    """404.html: hosts serve it at any missing address, so with a base URL its links are absolute."""
    path = "404.html"
    with template_errors(env):
        html = env.get_template("404.html").render(page_path=path, route=None, canonical=None, absolute_links=True)
    return Output(path, html.encode("utf-8"))


def render_search(site: Site, templates: Path, index_file: str, facets: Sequence[Any],
                  bytecode: jinja2.BytecodeCache | None = None) -> Output:  # fmt: skip
    """search/index.html: the search page, naming its index file and showing its filters."""
    return page(make_env(templates, site, bytecode), "search.html", routes.SEARCH, index_file=index_file, facets=facets)


def render_html(site: Site, templates: Path, env: jinja2.Environment | None = None) -> list[Output]:
    """Every HTML page of the site (env: an environment made by make_env, e.g. one that defers pages)."""
    env = env or make_env(templates, site)
    return [
        page(env, "home.html", routes.HOME),
        *render_stories(env, site),
        *render_pledge(env, site),
        *render_areas(env, site),
        *render_terms(env, site),
        *render_events(env, site),
        *render_pages(env, site),
        render_self_assessment(env),
        render_easy_read(env, site),
        render_share(env, site),
        render_not_found(env),
    ]

