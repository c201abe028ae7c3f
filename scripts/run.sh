#!/usr/bin/env bash
# Sets up (if needed) and runs the dashboard: ./scripts/run.sh [--data DIR] [streamlit options]
# --data DIR: a region's data folder (geo/, events.csv, region.json); the shipped data/ (Kharkiv oblast) by default.
set -euo pipefail
if [[ "${1:-}" == "--data" ]]; then
    [[ $# -ge 2 ]] || { echo "--data needs a folder" >&2; exit 2; }
    CONTROLMAP_DATA="$(cd "$2" && pwd)"
    for needed in region.json geo/settlements.csv; do
        [[ -f "$CONTROLMAP_DATA/$needed" ]] || { echo "$2 is not a region's data folder: it lacks $needed" >&2; exit 2; }
    done
    export CONTROLMAP_DATA
    shift 2
fi
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/streamlit run streamlit_app.py "$@"
