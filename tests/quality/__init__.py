"""Quality checks for a built site folder: accessibility, valid HTML, links, CSP, weight and print.

Used by the pytest suite (tests/test_quality_*.py, over the shipped sample site) and by
scripts/audit (`make audit SITE=folder`, over any built site). Every check returns plain data:
a list of problems, each a readable sentence; no problems means the check passed.

    tools.py     find Chromium ($CMI_CHROMIUM), Java, axe-core and vnu.jar (scripts/setup-test-tools)
    pages.py     the pages of a folder, their kinds found from their paths, one representative of each
    server.py    a local HTTP server for a folder: any headers (the CSP), any sub-path
    links.py     every internal reference in HTML and CSS resolves, as from disk
    vnu.py       the Nu HTML Checker over many files in one Java process
    weight.py    HTML, CSS, JS and image bytes of each page
    browser.py   checks in a real Chromium page: axe, skip link, keyboard, reflow, text size, motion, print
    probes.js    what those checks measure inside the page
    sweep.py     every page opened from disk and from the server: CSP, console, links, axe
    audit.py     all of the above over one folder, and a markdown report
    fixtures.py  pytest fixtures: the tools, and one Chromium for the test session
"""
