"""A minimal Hugo site with the same page set as cmi-site, for the benchmark's comparison.

From a corpus made by corpus.py it makes a Hugo project whose output has the same pages: the home
page, the stories listing (24 a page), one page per story, the pledge register and one page per
signatory, areas/sectors/themes indexes with one paginated listing per term, the content pages, an
Atom-like RSS feed of the newest stories, a sitemap and a 404 page. The templates print about what
ours print (facts, lists, self-assessment, header and footer), so both tools do similar work.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CONFIG = """\
baseURL = "https://example.org/"
languageCode = "en-gb"
title = "Count Me In"
paginate = 24
[taxonomies]
area = "areas"
sector = "sectors"
theme = "themes"
[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
term = ["HTML"]
[services.rss]
limit = 50
[markup.goldmark.renderer]
unsafe = false
[markup.goldmark.extensions]
typographer = true
definitionList = true
table = true
"""

BASEOF = """\
<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ .Title }}{{ end }} | {{ site.Title }}</title>
<meta name="description" content="{{ with .Params.summary }}{{ . }}{{ else }}Coproduction in the East of England{{ end }}">
<link rel="stylesheet" href="{{ relURL "assets/site.css" }}">
<link rel="alternate" type="application/rss+xml" href="{{ relURL "index.xml" }}">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><a class="site-name" href="{{ relURL "" }}">{{ site.Title }}</a>
<nav class="site-nav" aria-label="Main"><ul>
<li><a href="{{ relURL "stories/" }}">Stories</a></li><li><a href="{{ relURL "signatories/" }}">Pledge</a></li>
<li><a href="{{ relURL "areas/" }}">Areas</a></li><li><a href="{{ relURL "themes/" }}">Themes</a></li>
<li><a href="{{ relURL "about/" }}">About</a></li><li><a href="{{ relURL "take-part/" }}">Take part</a></li>
</ul></nav></header>
<div class="sample-notice" role="note"><p><strong>Sample content.</strong> The people, organisations, stories and events on this site are made up.</p></div>
<main id="main" tabindex="-1">{{ block "main" . }}{{ end }}</main>
<footer class="site-footer"><ul>
<li><a href="{{ relURL "about/" }}">About</a></li><li><a href="{{ relURL "accessibility/" }}">Accessibility</a></li>
<li><a href="{{ relURL "privacy/" }}">Privacy</a></li><li><a href="{{ relURL "sectors/" }}">Sectors</a></li>
<li><a href="{{ relURL "index.xml" }}">Stories feed</a></li></ul></footer>
</body>
</html>
"""

STORY_ITEM = """\
<li class="card"><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Params.summary }}</p><p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ range .Params.areas }} <span class="tag">{{ . }}</span>{{ end }}</p></li>
"""

LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pager := .Paginate .Pages }}
<p>{{ len .Pages }} items, page {{ $pager.PageNumber }} of {{ $pager.TotalPages }}.</p>
<ul class="cards">{{ range $pager.Pages }}{{ partial "item.html" . }}{{ end }}</ul>
<nav aria-label="Pages"><ul>{{ if $pager.HasPrev }}<li><a href="{{ $pager.Prev.URL }}">Previous</a></li>{{ end }}
{{ range $pager.Pagers }}<li><a href="{{ .URL }}">{{ .PageNumber }}</a></li>{{ end }}
{{ if $pager.HasNext }}<li><a href="{{ $pager.Next.URL }}">Next</a></li>{{ end }}</ul></nav>
{{ end }}
"""

SIGNATORIES_LIST = """\
{{ define "main" }}
<h1>The pledge register</h1>
<table><thead><tr><th>Name</th><th>Organisation</th><th>Area</th><th>Signed</th></tr></thead><tbody>
{{ range .Pages.ByTitle }}<tr><td><a href="{{ .RelPermalink }}">{{ .Params.name }}</a></td><td>{{ .Params.organisation }}</td>
<td>{{ .Params.area }}</td><td>{{ .Date.Format "2 January 2006" }}</td></tr>{{ end }}
</tbody></table>
{{ end }}
"""

TERMS = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
"""

SINGLE = """\
{{ define "main" }}
<article class="story">
<h1>{{ .Title }}{{ .Params.name }}</h1>
<p class="lead">{{ .Params.summary }}{{ .Params.role }}</p>
<dl class="facts">
<dt>Date</dt><dd><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></dd>
{{ with .Params.areas }}<dt>Areas</dt><dd>{{ range . }}<a href="{{ relURL (printf "areas/%s/" .) }}">{{ . }}</a> {{ end }}</dd>{{ end }}
{{ with .Params.sectors }}<dt>Sectors</dt><dd>{{ range . }}<a href="{{ relURL (printf "sectors/%s/" .) }}">{{ . }}</a> {{ end }}</dd>{{ end }}
{{ with .Params.themes }}<dt>Themes</dt><dd>{{ range . }}<a href="{{ relURL (printf "themes/%s/" .) }}">{{ . }}</a> {{ end }}</dd>{{ end }}
{{ with .Params.approach }}<dt>Approach</dt><dd>{{ . }}</dd>{{ end }}
{{ with .Params.people }}<dt>Who took part</dt><dd>{{ delimit . ", " " and " }}</dd>{{ end }}
</dl>
<div class="prose">{{ .Content }}</div>
{{ with .Params.outcomes }}<section><h2>What changed</h2><ul>{{ range . }}<li>{{ . }}</li>{{ end }}</ul></section>{{ end }}
{{ with .Params.lessons }}<section><h2>What was learned</h2><ul>{{ range . }}<li>{{ . }}</li>{{ end }}</ul></section>{{ end }}
{{ with .Params.commitments }}<section><h2>Commitments</h2><ul>{{ range . }}<li>{{ . }}</li>{{ end }}</ul></section>{{ end }}
{{ with .Params.self_assessment }}<section><h2>Self-assessment</h2><ul>{{ range $k, $v := . }}<li>{{ $k }}: {{ $v }}</li>{{ end }}</ul></section>{{ end }}
</article>
{{ end }}
"""

HOME = """\
{{ define "main" }}
<h1>Coproduction in the East of England</h1>
<ul class="cards">{{ range first 6 (where site.RegularPages "Section" "stories") }}{{ partial "item.html" . }}{{ end }}</ul>
{{ end }}
"""

NOT_FOUND = """\
{{ define "main" }}<h1>Page not found</h1><p><a href="{{ relURL "" }}">Go to the home page</a></p>{{ end }}
"""

LAYOUTS = {
    "_default/baseof.html": BASEOF,
    "_default/list.html": LIST,
    "_default/single.html": SINGLE,
    "_default/terms.html": TERMS,
    "signatories/list.html": SIGNATORIES_LIST,
    "partials/item.html": STORY_ITEM,
    "index.html": HOME,
    "404.html": NOT_FOUND,
}


def make_hugo_site(corpus: Path, dest: Path) -> None:
    """Write a Hugo project at dest whose content is the corpus's stories, signatories and pages."""
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "content").mkdir(parents=True)
    (dest / "config.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in LAYOUTS.items():
        (dest / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / "layouts" / name).write_text(text, encoding="utf-8")
    shutil.copytree(corpus / "stories", dest / "content" / "stories")
    shutil.copytree(corpus / "signatories", dest / "content" / "signatories")
    for page in sorted((corpus / "pages").glob("*.md")):
        shutil.copyfile(page, dest / "content" / page.name)
    # Hugo takes a signatory's date from `signed`, like our register.
    (dest / "config.toml").open("a", encoding="utf-8").write('[frontmatter]\ndate = ["date", "signed"]\n')
    static = Path(__file__).resolve().parent.parent / "templates" / "assets"
    shutil.copytree(static, dest / "static" / "assets")
