"""Rendering helpers: relative links, dates in words."""

import datetime as dt
import re

import pytest

from cmi_site.models import Event
from cmi_site.render import event_when, human_date, human_time, plural, relative_url, word_list


@pytest.mark.parametrize(
    "from_path, route, expected",
    [
        ("index.html", "", "index.html"),
        ("index.html", "stories/", "stories/index.html"),
        ("stories/a/index.html", "areas/", "../../areas/index.html"),
        ("stories/a/index.html", "stories/a/", "index.html"),
        ("stories/page/2/index.html", "stories/", "../../index.html"),
        ("stories/a/index.html", "", "../../index.html"),
        ("stories/a/index.html", "feed.xml", "../../feed.xml"),
        ("404.html", "assets/site.css", "assets/site.css"),
        ("pledge/index.html", "pledge/#who", "index.html#who"),
    ],
)
def test_relative_url(from_path: str, route: str, expected: str) -> None:
    assert relative_url(from_path, route) == expected


def test_human_date() -> None:
    assert human_date(dt.date(2025, 3, 14)) == "14 March 2025"
    assert human_date(dt.date(2024, 12, 1)) == "1 December 2024"


@pytest.mark.parametrize("hour, minute, expected", [(10, 0, "10am"), (12, 30, "12:30pm"), (12, 0, "midday"),
                                                   (0, 15, "12:15am"), (17, 5, "5:05pm")])  # fmt: skip
def test_human_time(hour: int, minute: int, expected: str) -> None:
    assert human_time(dt.datetime(2025, 1, 1, hour, minute)) == expected


def event(start, end=None) -> Event:
    return Event("e", "content/events/e.md", "E", start, end, "Here", False, ("region",), None, None, None, None, "")


def test_event_when() -> None:
    assert event_when(event(dt.datetime(2027, 2, 11, 10))) == "Thursday 11 February 2027, 10am"
    assert event_when(event(dt.datetime(2027, 2, 11, 10), dt.datetime(2027, 2, 11, 12, 30))) == \
        "Thursday 11 February 2027, 10am to 12:30pm"
    assert event_when(event(dt.date(2027, 2, 11), dt.date(2027, 2, 12))) == \
        "Thursday 11 February 2027 to Friday 12 February 2027"
    assert event_when(event(dt.datetime(2027, 2, 11, 18), dt.datetime(2027, 2, 12, 9))) == \
        "Thursday 11 February 2027, 6pm to Friday 12 February 2027, 9am"


def test_words() -> None:
    assert plural(1, "story", "stories") == "1 story"
    assert plural(3, "story", "stories") == "3 stories"
    assert plural(2, "event") == "2 events"
    assert word_list(["a"]) == "a"
    assert word_list(["a", "b", "c"]) == "a, b and c"
    assert word_list([]) == ""


def test_relative_url_agrees_with_posixpath_relpath() -> None:
    import itertools
    import posixpath

    pages = ["index.html", "404.html", "stories/index.html", "stories/a/index.html", "stories/page/2/index.html",
             "areas/norfolk/page/3/index.html", "about/index.html"]  # fmt: skip
    routes = ["", "stories/", "stories/a/", "stories/ab/", "areas/norfolk/page/3/", "feed.xml", "assets/site.css",
              "about/", "stories/a/../b/", "./x/", "a//b/", "stories"]  # fmt: skip
    for page_path, route in itertools.product(pages, routes):
        expected = posixpath.relpath(route + "index.html" if route == "" or route.endswith("/") else route,
                                     posixpath.dirname(page_path) or ".")  # fmt: skip
        assert relative_url(page_path, route) == expected, (page_path, route)


def test_pagination_links_the_first_the_last_and_two_either_side() -> None:
    # A listing of 400 pages must not link all 400 from each of them (that grows with the square).
    from pathlib import Path

    from cmi_site.config import BuildOptions, Paths
    from cmi_site.pipeline import check
    from cmi_site.render import make_env
    from cmi_site.site import paginate

    repo = Path(__file__).resolve().parent.parent
    site = check(Paths(repo / "content", repo / "templates", repo / "_site", repo), BuildOptions(today=dt.date(2026, 1, 1))).site
    assert site is not None
    env = make_env(repo / "templates", site)
    macro = env.from_string('{% import "macros.html" as m with context %}{{ m.pagination(paged, "Stories") }}')
    paged = paginate(list(range(240)), "stories/", per_page=24)[5]  # page 6 of 10
    html = macro.render(paged=paged, page_path="stories/page/6/index.html")
    numbers = re.findall(r'<span class="visually-hidden">Page </span>(\d+)</a>', html)
    assert numbers == ["1", "4", "5", "6", "7", "8", "10"]
    assert html.count('class="pagination__gap"') == 2
    assert 'href="../5/index.html" rel="prev"' in html and 'href="../7/index.html" rel="next"' in html


def test_template_mistakes_name_the_file_and_line_and_other_errors_pass_through(tmp_path, monkeypatch) -> None:
    import jinja2

    from cmi_site.errors import TemplateFailure
    from cmi_site.render import template_errors

    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/page.html").write_text("<p>\n{{ 1 / n }}</p>\n", encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path / "templates"), autoescape=True)
    with pytest.raises(TemplateFailure) as failed, template_errors(env):
        env.get_template("page.html").render(n=0)
    assert str(failed.value.problem).startswith("templates/page.html:2: template: ZeroDivisionError: division by zero (")
    with pytest.raises(TemplateFailure) as failed, template_errors(env):
        env.get_template("missing.html")
    assert str(failed.value.problem).startswith("templates/missing.html:1: template: missing.html is not there (")
    with pytest.raises(ValueError, match="invalid literal"), template_errors(env):  # not from a template: a bug
        int("not a number")


CODE_BODY = r'''A real [take part](/take-part/) link.

A code span `<a href="/take-part/">` and `src="/span.png"`.

    <a href="/indented/">indented code</a>

```html
<a href="/fenced/">fenced code</a> <img src="/fenced.png">
```

Words that say href=\"/in-text/\" and src=\"/also-text/\".

[titled](/about/ "with href=\"/in-title/\" in it")
'''


def test_only_real_links_are_made_relative_never_code_or_text(site_dir, run_cli, content_files) -> None:
    story = content_files["stories/memory-cafe.md"].replace("Body text.\n", CODE_BODY)
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    result = run_cli("build")
    assert result.code == 0, result.err
    page = (site_dir / "_site/stories/memory-cafe/index.html").read_text()
    assert '<a href="../../take-part/index.html">take part</a>' in page
    assert '<a href="../../about/index.html" title="with href=&quot;/in-title/&quot; in it">titled</a>' in page
    for code in ('<code>&lt;a href="/take-part/"&gt;</code>', '<code>src="/span.png"</code>',
                 '<pre><code>&lt;a href="/indented/"&gt;indented code&lt;/a&gt;\n</code></pre>',
                 '&lt;a href="/fenced/"&gt;fenced code&lt;/a&gt; &lt;img src="/fenced.png"&gt;',
                 'Words that say href="/in-text/" and src="/also-text/".'):  # fmt: skip
        assert code in page, code
