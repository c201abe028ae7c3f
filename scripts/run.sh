#!/usr/bin/env bash
# Sets up (if needed) and runs the dashboard on the shipped data: ./scripts/run.sh [streamlit options]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/streamlit run streamlit_app.py "$@"
