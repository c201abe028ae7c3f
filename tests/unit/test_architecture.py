"""The layers hold: the core never imports Streamlit and its subpackages import only what lies below them, with no
cycle; no module grows past ~500 lines without saying why; the shipped configuration keeps tracebacks and the app
itself off the network's reach; the app never writes into its own folder."""

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from controlmap.web import offline, own_shapes
from controlmap.web.script import installed_script_url

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
    installers = ("install_leaflet", "install_assets", "install_timeline_script", "own_shapes.install")
    assert [] == [str(p.relative_to(ROOT)) for p in glue if any(name in p.read_text(encoding="utf-8")
                                                                  for name in installers)]
    assert "controlmap install-assets" in (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")


def test_install_assets_copies_leaflet_where_the_app_looks_for_it(tmp_path):
    from controlmap import cli

    assert offline.missing_leaflet_files(tmp_path) == offline.leaflet_files()
    assert 0 == cli.main(["install-assets", "--static-dir", str(tmp_path)])
    assert [] == offline.missing_leaflet_files(tmp_path)

    assert installed_script_url(tmp_path) is not None
    assert own_shapes.installed_url(tmp_path) is not None, "and the settlements' boundaries"


# Build-only modules (python -m controlmap build-geo): their packages are in requirements-build.txt.
BUILD_ONLY = ("geo/build.py", "geo/codifier.py", "geo/geonames.py", "geo/sources.py", "geo/vendor.py",
              "regions/build.py", "regions/region_file.py")
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
    runtime = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).as_posix() not in BUILD_ONLY]
    runtime += [ROOT / "dashboard.py", ROOT / "streamlit_app.py", *(ROOT / "app").glob("*.py"),
                *(ROOT / "pages").glob("*.py")]
    imported = imported_packages(runtime) - {"app", "controlmap"}
    assert sorted(imported) == sorted(MODULE_OF.get(name, name) for name in pinned("requirements.txt"))


# ---------------------------------------------------------------- the core's rooms

# What each subpackage may import besides the base modules (controlmap/*.py): what lies below it.
MAY_IMPORT = {"geo": set(), "events": {"geo"}, "areas": {"geo", "events"}, "timeline": {"geo", "events"},
              "web": {"geo", "events", "timeline"}, "regions": {"geo", "events", "areas"}}
BASE = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__", "cli"}


def controlmap_imports(path: Path) -> set[str]:
    """The package's modules and subpackages `path` imports (inside functions too), as dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        module = node.module if isinstance(node, ast.ImportFrom) and node.level == 0 else None
        if module and module.startswith("controlmap"):
            found |= {module} if module != "controlmap" else {f"controlmap.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("controlmap")}
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_each_subpackage_imports_only_the_base_and_what_lies_below_it():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) == 1:  # a base module (the CLI may import anything)
            allowed = None if parts[0] in ("cli.py", "__main__.py") else set()
        else:
            allowed = MAY_IMPORT[parts[0]] | {parts[0]}
        if allowed is None:
            continue
        for name in controlmap_imports(path):
            room = name.split(".")[1]
            if room not in BASE and room not in allowed:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert [] == sorted(wrong)


def test_every_subpackage_says_its_job_and_what_it_may_import():
    for room, below in MAY_IMPORT.items():
        text = (PACKAGE / room / "__init__.py").read_text(encoding="utf-8")
        assert "May import:" in text, room
        named = {r for r in MAY_IMPORT if f"controlmap.{r}" in text.split("May import:")[1]}
        assert below == named, room


def test_no_module_imports_itself_back_through_others():
    graph = {module_name(p): {n for n in controlmap_imports(p) if n != module_name(p)} for p in PACKAGE.rglob("*.py")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in graph:
                continue
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert [] == cycles


LONG_REASON = "Longer than 500 lines because"


def test_no_module_is_over_500_lines_without_saying_why():
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "app").glob("*.py"), *(ROOT / "pages").glob("*.py"),
               ROOT / "dashboard.py"]
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in sources
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
            and LONG_REASON not in (ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or "")]
    assert [] == long


def test_no_script_of_the_pages_is_over_500_lines():
    """The map's and the panel's parts (a reason would not fit a script: split it instead)."""
    scripts = sorted((PACKAGE / "web" / "assets").rglob("*.js"))
    assert len(scripts) > 20
    assert [] == [f"{p.relative_to(ROOT)}: {n} lines" for p in scripts
                  if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500]


def test_the_map_scripts_layer_stays_under_450_lines():
    lines = (PACKAGE / "web" / "assets" / "timeline" / "layer.js").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 450


def test_every_browser_test_is_marked_and_lives_in_tests_browser():
    """`-m "not browser"` runs everything that needs no Chromium: a test that drives one is in tests/browser, and
    every test there is marked (eight browser-free tests sat there, six Chromium tests lacked the mark)."""
    browser_fixtures = {"page", "browser", "wide", "phone", "offline_page", "dashboard", "streamlit_app"}
    unmarked, misplaced = [], []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_marked = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
                            and "browser" in ast.unparse(n.value) for n in tree.body)
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            parametrized = {name.strip() for d in node.decorator_list if "parametrize" in ast.unparse(d)
                            for arg in d.args[:1] if isinstance(d, ast.Call) and isinstance(arg, ast.Constant)
                            for name in (arg.value if isinstance(arg.value, str) else "").split(",")}
            parametrized |= {e.value for d in node.decorator_list if isinstance(d, ast.Call)
                             and "parametrize" in ast.unparse(d) and d.args and isinstance(d.args[0], ast.Tuple)
                             for e in d.args[0].elts if isinstance(e, ast.Constant)}
            uses_browser = bool(({a.arg for a in node.args.args} - parametrized) & browser_fixtures)
            marked = module_marked or any("browser" in ast.unparse(d) for d in node.decorator_list)
            where = f"{path.relative_to(ROOT)}::{node.name}"
            in_browser = "browser" in path.relative_to(ROOT).parts
            if uses_browser and not marked:
                unmarked.append(where)
            if (uses_browser and not in_browser) or (in_browser and not marked):
                misplaced.append(where)
    assert ([], []) == (unmarked, misplaced)


# Its names in English, Ukrainian and Russian, its KATOTTG, ISO 3166-2 and GeoNames codes, and the old box's edges.
REGION_WORDS = ("Kharkiv", "Kharkov", "Харків", "Харьков", "UA63", "UA-63", "UA.07.63", "34.75", "38.85")


def test_no_code_names_the_shipped_region():
    """Titles, messages, checks and the map take the region from its data folder (region.json, geo/)."""
    sources = [p for pattern in ("*.py", "*.js", "*.css", "*.html")
               for folder in ("controlmap", "app", "pages") for p in (ROOT / folder).rglob(pattern)]
    sources += [ROOT / "dashboard.py", ROOT / "streamlit_app.py"]
    found = sorted(f"{p.relative_to(ROOT).as_posix()}:{n}" for p in sources
                   for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                   if any(word in line for word in REGION_WORDS))
    assert [] == found
