"""The layers hold: the core never imports Streamlit; the shipped configuration keeps tracebacks and the app
itself off the network's reach; the app never writes into its own folder."""

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "controlmap"


def core_modules() -> list[str]:
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in PACKAGE.rglob("*.py")
                  if p.name != "__main__.py")


def test_importing_every_module_of_the_core_loads_no_streamlit():
    script = ("import importlib, json, sys\n"
              f"for name in {core_modules()!r}:\n"
              "    importlib.import_module(name)\n"
              "ui = ('streamlit', 'streamlit_folium')\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ui)))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert 0 == result.returncode, result.stderr
    assert [] == json.loads(result.stdout.strip().splitlines()[-1])


def test_no_core_source_names_streamlit_in_an_import():
    """Also imports inside functions, which importing the modules does not run."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names
                      if n.split(".")[0] in ("streamlit", "streamlit_folium")]
    assert [] == found


def shipped_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_tracebacks_never_reach_the_browser():
    assert "none" == shipped_config()["client"]["showErrorDetails"]


def test_the_app_listens_on_this_machine_unless_told_otherwise():
    assert "127.0.0.1" == shipped_config()["server"]["address"]


def test_the_app_never_copies_files_at_run_time():
    """Leaflet is copied into static/ at set-up (scripts/setup.sh), not by the app (its folder may be read-only)."""
    glue = [ROOT / "dashboard.py", ROOT / "streamlit_app.py", *(ROOT / "app").glob("*.py"),
            *(ROOT / "pages").glob("*.py")]
    installers = ("install_leaflet", "install_assets", "install_timeline_script", "settlement_shapes.install")
    assert [] == [str(p.relative_to(ROOT)) for p in glue if any(name in p.read_text(encoding="utf-8")
                                                                  for name in installers)]
    assert "controlmap install-assets" in (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")


def test_install_assets_copies_leaflet_where_the_app_looks_for_it(tmp_path):
    from controlmap import cli, offline

    assert offline.missing_leaflet_files(tmp_path) == offline.leaflet_files()
    assert 0 == cli.main(["install-assets", "--static-dir", str(tmp_path)])
    assert [] == offline.missing_leaflet_files(tmp_path)
    from controlmap import mapview, settlement_shapes

    assert mapview.installed_script_url(tmp_path) is not None
    assert settlement_shapes.installed_url(tmp_path) is not None, "and the settlements' boundaries"


# Build-only modules (python -m controlmap build-geo): their packages are in requirements-build.txt.
BUILD_ONLY = ("build_geo.py", "geo_sources.py")
MODULE_OF = {"streamlit-folium": "streamlit_folium", "django-js-lib-leaflet": "js_lib_leaflet",
             "charset-normalizer": "charset_normalizer"}


def imported_packages(paths: list[Path]) -> set[str]:
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names}


def pinned(requirements: str) -> list[str]:
    lines = (ROOT / requirements).read_text(encoding="utf-8").splitlines()
    return [line.split("==")[0] for line in lines if "==" in line and not line.startswith("#")]


def test_the_runtime_requirements_are_exactly_what_the_app_and_the_core_import():
    runtime = [p for p in PACKAGE.rglob("*.py") if p.name not in BUILD_ONLY]
    runtime += [ROOT / "dashboard.py", ROOT / "streamlit_app.py", *(ROOT / "app").glob("*.py"),
                *(ROOT / "pages").glob("*.py")]
    imported = imported_packages(runtime) - {"app", "controlmap"}
    assert sorted(imported) == sorted(MODULE_OF.get(name, name) for name in pinned("requirements.txt"))
