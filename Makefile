# One-command entry points. Everything installs into .venv (Python) and .cache/ (test tools),
# so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: site test check clean setup test-tools audit lint fuzz

site: $(STAMP)  ## build the sample site into _site/
	$(PY) build.py
	@echo "Open $(CURDIR)/_site/index.html in a browser."

test: $(STAMP) test-tools  ## run the whole test suite
	$(PY) -m pytest

fuzz: $(STAMP)  ## the property-based (hypothesis) tests with many more examples than make test runs (minutes)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -m fuzz -p no:cacheprovider -o timeout=3600  # a test may take many minutes here

lint: $(STAMP)  ## ruff (style, bugs, security) and mypy (types); CI runs it before the tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy src/ bench/

check: $(STAMP)  ## check the content and report every problem
	$(VENV)/bin/cmi-site check

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

test-tools:  ## what the quality checks need: chromium (or $$CMI_CHROMIUM), Java, axe-core, vnu.jar
	scripts/setup-test-tools

SITE ?= _site
audit: $(STAMP) test-tools  ## every quality check on a built site: make audit SITE=folder (default _site)
	$(PY) scripts/audit $(SITE) --report audit-report.md

clean:
	rm -rf _site .cache
