#!/usr/bin/env bash
# Creates .venv and installs what the project needs. `--dev` adds the test tools, Chromium and Node.js.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
requirements=requirements.txt
if [ "${1:-}" = "--dev" ]; then
  requirements=requirements-dev.txt
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
# pip compiles the packages it installs; the project's own modules run from the checkout, so compile
# them here too: a first start (and a machine that never writes bytecode) then does not compile them.
.venv/bin/python -m compileall -q controlmap app
# The maps load Leaflet from the app's own static/ folder (offline): copied here, at set-up, from the installed
# package, never by the running app (its folder may be read-only).
.venv/bin/python -m controlmap install-assets >/dev/null

apt_install() {
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq "$@" >/dev/null
  fi
}

if [ "${1:-}" = "--dev" ] && [ ! -x /usr/bin/chromium ]; then
  # Playwright cannot download its own browsers offline; the tests drive Debian's chromium.
  apt_install chromium
fi
if [ "${1:-}" = "--dev" ] && ! node --version >/dev/null 2>&1; then
  # The map script's unit tests run on Node's own test runner (no npm package needed).
  apt_install nodejs
fi
