#!/usr/bin/env bash
# Installs the test peers of tests/tools/package.json (Azurite, the Azure Storage emulator) into tests/tools/node_modules
# with `npm ci` from the committed package-lock.json. Idempotent: does nothing when the installed tree matches the lock.
# Used by `make setup-azurite` (part of `make test`) and by the Azurite test fixture when run from plain `dotnet test`.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
main="$dir/node_modules/azurite/dist/src/blob/main.js"
stamp="$dir/node_modules/.installed-lock-sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
installed() { [[ -f "$main" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; }
installed && exit 0
command -v npm >/dev/null || { echo "setup-azurite: npm is required (install node/npm)" >&2; exit 1; }
exec 9>"$dir/.setup.lock"   # one installer at a time (make and the test fixture may race)
flock 9
installed && exit 0
echo "setup-azurite: npm ci in $dir (azurite, once)" >&2
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
[[ -f "$main" ]] || { echo "setup-azurite: $main missing after npm ci" >&2; exit 1; }
echo "$want" > "$stamp"
