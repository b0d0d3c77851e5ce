#!/usr/bin/env bash
# Acceptance check on a clean clone: clones this repository's HEAD into a temp directory and
# runs README's two commands there (the benchmark on a small shape set, then the tests).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/gems-j"
cd "$work/gems-j"
./gems bench optimizer --shapes 384x384,1536x384 --seconds 1 --out "$work/bench.json"
mvn -B test
echo "clean clone OK: $(git rev-parse --short HEAD)"
