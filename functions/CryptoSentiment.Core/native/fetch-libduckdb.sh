#!/usr/bin/env bash
# Obtains DuckDB's official C library (libduckdb.so, linux-x64) from the npm registry without running any
# install script: `npm pack` downloads the tarball, we verify its SHA-256 and the library's, and copy it out.
# Idempotent and safe to run concurrently (flock).
set -euo pipefail
dest="${1:?usage: fetch-libduckdb.sh DEST_DIR}"
pkg="@duckdb/node-bindings-linux-x64@1.5.6-r.1"
tgz_sha="1b9f82478539bb9a1d1df44bd103121a12ae52142c07158dc52b97d2ec1d69ff"
so_sha="3f4962cdd266eab2b479a5b5a4a6d063d279b2954ae814ed00385d553b747633"
mkdir -p "$dest"
exec 9>"$dest/.fetch.lock"
flock 9
if [ -f "$dest/libduckdb.so" ] && echo "$so_sha  $dest/libduckdb.so" | sha256sum -c --status; then exit 0; fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
( cd "$work" && npm pack --silent --ignore-scripts "$pkg" >/dev/null )
tgz=$(ls "$work"/*.tgz)
echo "$tgz_sha  $tgz" | sha256sum -c --status || { echo "fetch-libduckdb: SHA-256 mismatch for $pkg tarball" >&2; exit 1; }
tar -xzf "$tgz" -C "$work" package/libduckdb.so
echo "$so_sha  $work/package/libduckdb.so" | sha256sum -c --status || { echo "fetch-libduckdb: SHA-256 mismatch for libduckdb.so" >&2; exit 1; }
cp "$work/package/libduckdb.so" "$dest/libduckdb.so.tmp" && mv "$dest/libduckdb.so.tmp" "$dest/libduckdb.so"
echo "fetch-libduckdb: libduckdb.so (DuckDB 1.5.6) placed in $dest"
