# CryptoSentiment — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
CLI_DLL := functions/CryptoSentiment.Cli/bin/$(CONFIG)/net10.0/crypto-sentiment.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

.PHONY: build demo test bench clean setup

setup:
	bash functions/CryptoSentiment.Core/native/fetch-libduckdb.sh .local/native

build: setup
	$(DOTNET) build CryptoSentiment.sln -c $(CONFIG) -nologo -v q

demo: build
	$(DOTNET) $(CLI_DLL) demo

test: build
	$(DOTNET) test CryptoSentiment.sln -c $(CONFIG) --no-build -nologo -v q --logger "console;verbosity=normal"

bench: build
	$(DOTNET) $(CLI_DLL) bench

clean:
	rm -rf .local dist functions/*/bin functions/*/obj tests/*/bin tests/*/obj
