#!/usr/bin/env bash
# Acceptance check on a clean clone: clones this repository's HEAD into a temp directory and
# runs README's two commands there (the main job on its embedded default, then the tests),
# timing each.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/gems-j"
cd "$work/gems-j"
start=$(date +%s)
./gems train --preset demo --out out/demo
echo "main command (build + demo): $(( $(date +%s) - start )) s"
start=$(date +%s)
mvn -B test
echo "tests: $(( $(date +%s) - start )) s"
echo "clean clone OK: $(git rev-parse --short HEAD)"
