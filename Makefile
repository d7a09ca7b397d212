# Samkørsel — two commands do all the set-up on a fresh machine:
#   make demo   sets up .venv and runs the whole job on the embedded default (Samsø, SQLite)
#   make test   sets up .venv and runs linters, type checks and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint typecheck bench bench-full bench-api serve clean browser pdf-libs

$(STAMP): pyproject.toml | pdf-libs
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/samkorsel demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck browser
	$(BIN)/pytest -n 2 --dist loadfile -q

# Chromium for the browser tests (tests/web): Debian's package, installed when we may (root);
# otherwise the browser tests are skipped with a note (on CI, where CI=true, they fail instead).
# chromium-l10n has the Danish locale files: without them time inputs show "09:00 AM".
browser:
	@{ test -x /usr/bin/chromium && test -e /usr/lib/chromium/locales/da.pak; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  echo "installing Chromium (Debian package) for the browser tests" && \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >/dev/null; } || \
	  echo "note: no /usr/bin/chromium or its Danish locale; browser tests will be skipped or show 12-hour times (sudo apt-get install chromium chromium-l10n)"

# Pango and a font with æ, ø, å for WeasyPrint (the manifest and rider list PDFs): Debian's
# packages, installed when we may (root); otherwise a note (PDF requests then fail).
PDF_LIBS = libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig
pdf-libs:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 && fc-list 2>/dev/null | grep -qi dejavusans || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  echo "installing Pango and DejaVu fonts (Debian packages) for the PDFs" && \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_LIBS) >/dev/null; } || \
	  echo "note: Pango missing; PDFs cannot be made (sudo apt-get install $(PDF_LIBS))"

bench: $(STAMP)
	$(BIN)/samkorsel bench --sets network,matrix,demo,darp --time-limit 30

bench-full: $(STAMP)
	$(BIN)/samkorsel bench --sets network,matrix,demo,darp,lilim,homberger --json out/bench.json --solutions out/solutions

bench-api: $(STAMP)
	$(BIN)/python scripts/bench_api.py --rate 100 --seconds 20 --runs 5

serve: $(STAMP)
	$(BIN)/samkorsel serve

clean:
	rm -rf $(VENV) data/cache out .mypy_cache .ruff_cache .pytest_cache
