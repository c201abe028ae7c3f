#!/usr/bin/env bash
# Sets up (if needed) and runs the whole suite: lint, the map script's unit tests (Node's own runner),
# unit, app and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/mypy  # the core, the glue and the pages (configured in pyproject.toml)
node --test tests/js/*.test.js
exec .venv/bin/python -m pytest "$@"
