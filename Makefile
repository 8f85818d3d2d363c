# CryptoSentiment — the two commands: `make demo` (see it work) and `make test` (prove it works).
# A fresh machine needs only the .NET SDK, node/npm and apt: everything else is installed here, idempotently.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
CLI := $(DOTNET) functions/CryptoSentiment.Cli/bin/$(CONFIG)/net10.0/crypto-sentiment.dll
BENCH := $(DOTNET) tests/CryptoSentiment.Bench/bin/$(CONFIG)/net10.0/crypto-sentiment-bench.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

.PHONY: setup setup-azurite browser build demo test bench publish clean

## setup: nothing left to fetch (DuckDB's libduckdb comes with the NuGet package DuckDB.NET.Bindings.Full); kept as a no-op
setup:
	@true

## setup-azurite: Azurite, the Azure Storage emulator (npm, pinned by tests/tools/package-lock.json), into tests/tools/node_modules;
## the Blob lake tests and `make bench` run against it. Idempotent (npm ci only when the lock changed).
setup-azurite:
	@bash tests/tools/setup-azurite.sh

build:
	$(DOTNET) build CryptoSentiment.sln -c $(CONFIG) -nologo -v q

## demo: seeded sample stream → bronze → silver → gold → warehouse on the embedded default, then a summary
demo: build
	$(CLI) demo

## browser: Debian's Chromium for the dashboard's browser tests (Playwright drives /usr/bin/chromium; it never downloads one)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium)

## test: the whole suite; ends with a plain "N passed, N failed, N skipped" line
test: build setup-azurite browser
	@mkdir -p .local
	@set -o pipefail; $(DOTNET) test CryptoSentiment.sln -c $(CONFIG) --no-build -nologo -v q \
		--logger "console;verbosity=normal" 2>&1 | tee .local/test.log; status=$$?; \
	awk '/^ *Passed: *[0-9]/ { p += $$2 } /^ *Failed: *[0-9]/ { f += $$2 } /^ *Skipped: *[0-9]/ { s += $$2 } \
	     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' .local/test.log; exit $$status

## bench: ingest events/s vs DuckDB read_json→parquet, gold recompute for 1M silver rows, peak memory, handler, LLM
## enrichment, scale-out, history, and the same on Azurite (tests/CryptoSentiment.Bench, a tool beside the tests)
bench: build setup-azurite
	$(BENCH) --azurite

## publish: the Functions deployment package — dist/functionapp/ (self-contained linux-x64 handler, host.json,
## <Function>/function.json, libduckdb.so) and dist/functionapp.zip (exec bit kept); what `azd deploy` ships
publish:
	@bash functions/CryptoSentiment.Functions/build/publish.sh dist/functionapp

clean:
	rm -rf .local dist functions/*/bin functions/*/obj tests/*/bin tests/*/obj tests/tools/node_modules
