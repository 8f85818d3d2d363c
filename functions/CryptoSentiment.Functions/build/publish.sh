#!/usr/bin/env bash
# The Functions deployment package: a self-contained linux-x64 publish of the handler (host.json, one
# <Function>/function.json each, the linux-x64 libduckdb.so of DuckDB.NET.Bindings.Full beside it) in DIR, and DIR.zip with Unix modes kept (apphost +x).
# Used by `make publish` (DIR = dist/functionapp) and by the smoke test when dist/ is missing or stale.
set -euo pipefail
out="${1:?usage: publish.sh OUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
rm -rf "$out" "$out.zip"
"${DOTNET:-dotnet}" publish "$here/CryptoSentiment.Functions.csproj" -c "${CONFIG:-Release}" -nologo -v q \
  -o "$out" -p:FunctionAppZip="$out.zip"
test -x "$out/CryptoSentiment.Functions" || { echo "publish: $out/CryptoSentiment.Functions is missing or not executable" >&2; exit 1; }
echo "publish: $out ($(du -sh "$out" | cut -f1)) and $out.zip ($(du -sh "$out.zip" | cut -f1))"
