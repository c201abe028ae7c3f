"""Upload event CSVs: validate, fix ambiguous names, preview, try for this session, save without loss.

A control-area layer (GeoJSON, KML/KMZ, GeoPackage) may be uploaded besides CSVs: controlmap.areas.layer_upload
converts it into events (one snapshot, read with a preset; its day from its file name or from the date box
drawn here) and then checks those rows as an uploaded CSV's, so the preview, Try and Save take it alike.

Everything that comes from an uploaded file is untrusted: it is shown through st.dataframe (drawn on a canvas)
or through `md_escape`d Markdown, never as HTML, and the CSV downloads go through `to_safe_csv` (cells that
look like spreadsheet formulas get a leading '). Nothing is written unless the editor secret is configured
and given; Undo and the history of saves need no upload.

The page only lays out widgets: checking a file, combining the files and planning the merge are
controlmap.events.uploads's; each file's check is cached by its sha256 (app/state.py), so a rerun caused by typing the
secret or moving the preview slider validates nothing again. A file over the size limit is refused on its size,
before it is read.
"""

import math
from datetime import date
from pathlib import PurePath

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit_folium import st_folium

from app import data, editing, session_maps, upload_checks, widgets
from app.pages_support import EVENTS_FILE, md_escape
from controlmap import limits, region
from controlmap.areas import layer_upload
from controlmap.areas.preset import Preset
from controlmap.events import editor, store, uploads, writing
from controlmap.events.problems import Problem, listed_problems, not_listed_text, problems_frame
from controlmap.model import EARLIEST_DATE
from controlmap.timeline.dataset import Dataset
from controlmap.timeline.exports import to_safe_csv

SHOWN_ERRORS = 5  # errors per file written out as text; the table and its download list up to MAX_LISTED_PROBLEMS
PREVIEW_COLUMNS = ["date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote",
                   "note", "lat", "lon"]
CORE_COLUMNS = ("date", "settlement", "katottg", "status", "claimed_by", "source", "url")
PLAN_EXTRA_COLUMNS = ["existing_status", "existing_source", "existing_line"]
STATUS_ORDER = ("ua", "ru", "contested", "unknown")
CSV_TYPES = ["csv", "tsv", "txt"]
LAYER_TYPES = [suffix.lstrip(".") for suffix in layer_upload.LAYER_SUFFIXES]
# How each uploaded layer is read: file name → (preset, the day given, the series chosen).
LayerOptions = dict[str, tuple[str, date | None, str | None]]


def problem_text(problem: Problem) -> str:
    """A problem in words: the engine's "line …, column …: message (suggestion)", without line 0 (whole file)."""
    if problem.line:
        return str(problem)
    return f"{problem.message} ({problem.suggestion})" if problem.suggestion else problem.message


def error_list(title: str, problems: list) -> None:
    """The first errors as text (user values escaped), the rest counted."""
    lines = [f"- {md_escape(problem_text(p))}" for p in problems[:SHOWN_ERRORS]]
    if len(problems) > SHOWN_ERRORS:
        lines.append(f"- … and {len(problems) - SHOWN_ERRORS} more (see the table)")
    st.error(f"**{md_escape(title)}**\n\n" + "\n".join(lines))


def problems_table(problems: list, key: str, file_name: str) -> None:
    """The problems (at most MAX_LISTED_PROBLEMS; the others counted by code), and their CSV download."""
    listed, rest = listed_problems(problems)
    frame = problems_frame(listed)
    st.dataframe(frame, hide_index=True, key=f"problems-{key}")
    if rest:
        st.caption(md_escape(f"The table lists the first {len(listed)} problems. {not_listed_text(rest)}"))
    st.download_button("Download the problems (CSV)", to_safe_csv(frame), f"problems-{file_name}", "text/csv",
                       key=f"problems-download-{key}")


def display_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The core columns, plus the optional ones that hold something; dates as YYYY-MM-DD."""
    def wanted(column: str) -> bool:
        if column not in frame:
            return False
        return column in CORE_COLUMNS or bool((frame[column].notna() & (frame[column].astype(str) != "")).any())

    shown = frame[[c for c in columns if wanted(c)]].copy()
    if "date" in shown:
        shown["date"] = pd.to_datetime(shown["date"]).dt.strftime("%Y-%m-%d")
    return shown


def layer_options(files: list[UploadedFile]) -> LayerOptions:
    """For the uploaded layers: the preset, and the day (and series) of each layer whose name it does not date."""
    layers = [f for f in files if layer_upload.is_layer(f.name)]
    if not layers:
        return {}
    st.subheader("Control-area layers")
    st.caption(
        "Each layer is one snapshot: every settlement with a point of its own gets one row, its state in the "
        "layer, derived as `python -m controlmap import-areas` derives it (source: the publisher with "
        "“(uploaded layer)”; no url; the note names the file and its sha256). Then the rows are checked like a "
        "CSV's. A series of dated maps, with its flicker rule, is for that command.")
    names = layer_upload.preset_names()
    preset_name = st.selectbox("Preset: how the layers' features are read (controlmap/areas/presets/)", names,
                               key="layer_preset")
    preset = Preset.load(preset_name)
    options: LayerOptions = {}
    for uploaded_file in layers:
        name = uploaded_file.name
        dated = layer_upload.dated_by_name(name, preset)
        if dated is not None:
            series, time = dated
            st.caption(md_escape(f"{name}: dated by its file name, {time:%Y-%m-%d %H:%M} UTC "
                                 f"({layer_upload.series_label(preset_name, series.id)})."))
            options[name] = (preset_name, None, None)
            continue
        # The file name goes in a caption, not in the labels: a label would show it escaped to its readers.
        st.caption(md_escape(f"{name}: its file name carries no date the preset recognises."))
        left, right = st.columns(2)
        day = left.date_input("Day the map shows", value=None, min_value=EARLIEST_DATE, max_value=date.today(),
                              format="YYYY-MM-DD", key=f"layer-day-{name}")
        series_id = None
        if len(preset.series) > 1:
            series_id = right.selectbox("What the layer holds", [s.id for s in preset.series],
                                        format_func=lambda i: layer_upload.series_label(preset_name, i),
                                        key=f"layer-series-{name}")
        options[name] = (preset_name, day, series_id)
    return options


def check_files(files: list[UploadedFile], choices: dict[str, dict[str, str]],
                layers: LayerOptions) -> list[uploads.CheckedFile]:
    """Each file checked once per content (see app/upload_checks.py); one over its size limit is never read."""
    progress = st.progress(0.0, text="Checking…")
    checked: list[uploads.CheckedFile] = []
    for number, uploaded_file in enumerate(files, start=1):
        if layer_upload.is_layer(uploaded_file.name):
            layer = layer_upload.too_large(uploaded_file.name, uploaded_file.size)
            if layer is None:
                preset_name, day, series_id = layers[uploaded_file.name]
                with st.spinner(f"Converting {md_escape(uploaded_file.name)} ({uploaded_file.size:,} bytes)…"):
                    layer = upload_checks.checked_layer(uploaded_file.name, uploaded_file.getvalue(), preset_name,
                                                        day, series_id)
            checked.append(layer)
            progress.progress(number / len(files), text=f"Checked {number} of {len(files)} files")
            continue
        refused = uploads.too_large(uploaded_file.name, uploaded_file.size)
        if refused is None:
            with st.spinner(f"Validating {md_escape(uploaded_file.name)} ({uploaded_file.size:,} bytes)…"):
                refused = upload_checks.checked_file(uploaded_file.name, uploaded_file.getvalue(),
                                             choices.get(uploaded_file.name, {}))
        checked.append(refused)
        progress.progress(number / len(files), text=f"Checked {number} of {len(files)} files")
    progress.empty()
    return checked


def show_file(number: int, file: uploads.CheckedFile, shipped: Dataset, choices: dict[str, dict[str, str]]) -> None:
    errors = file.errors
    header = f"{md_escape(file.name)}: {file.rows:,} rows, {len(errors)} errors, {len(file.warnings)} warnings"
    with st.expander(header, expanded=bool(file.problems)):
        if isinstance(file, layer_upload.CheckedLayer):
            show_layer(number, file)
        if file.choices and file.result is not None:
            st.caption("Settlements you picked: " + "; ".join(
                f"{md_escape(name)} → {md_escape(code)}" for name, code in file.choices.items()))
        if not file.problems:
            st.success("No problems found.")
            return
        if errors:
            error_list(f"{file.name}: {len(errors)} errors", errors)
        problems_table(file.problems, str(number), file.name)
        for settlement in file.ambiguous_names():
            pick_settlement(number, file.name, settlement, shipped, choices)


def show_layer(number: int, file: layer_upload.CheckedLayer) -> None:
    """How the layer was read, and the events derived from it (the rows checked below)."""
    if file.summary is not None:
        st.caption(md_escape(" ".join(file.summary.lines())))
    st.caption(f"Layer sha256: {file.layer_digest}")
    if file.data is not None:
        st.download_button("Download the events derived from this layer (CSV)", file.data,
                           f"{PurePath(file.name).stem}-events.csv", "text/csv", key=f"layer-events-{number}")


def pick_settlement(number: int, file_name: str, settlement: str, shipped: Dataset,
                    choices: dict[str, dict[str, str]]) -> None:
    """A choice among the namesakes of an ambiguous settlement name; picking one checks the file again."""
    candidates = shipped.resolver.resolve(settlement).matches
    labels = {m["katottg"]: f"{m['name_en']} — {m['hromada_en']} hromada, {m['raion_en']} raion "
                            f"({m['katottg']})" for m in candidates}
    picked = st.selectbox(f"Which “{md_escape(settlement)}”?", [None, *labels],
                          format_func=lambda k: "choose…" if k is None else labels[k],
                          key=f"pick-{number}-{file_name}-{settlement}")
    if picked:
        choices.setdefault(file_name, {})[settlement] = picked
        st.rerun()


def check_and_preview(files: list[UploadedFile], shipped: Dataset) -> uploads.Upload | None:
    """Validation, then (when there are no errors) the preview and Try. The ready upload, or None."""
    choices = upload_checks.upload_choices()
    layers = layer_options(files)
    checked = check_files(files, choices, layers)
    for number, file in enumerate(checked, start=1):
        show_file(number, file, shipped, choices)
    combined = upload_checks.combined_upload(checked)
    if combined.stage == uploads.FILES_HAVE_ERRORS:
        st.error("Fix the errors above (or pick the candidates) and upload again: nothing can be applied while "
                 "errors remain.")
        return None
    if combined.stage == uploads.TOGETHER_HAVE_ERRORS:
        error_list("The files together have errors (line numbers count the files' rows one after the other)",
                   combined.problems)
        return None
    if combined.stage == uploads.CONTRADICTS_DATA_FILE:
        error_list(f"{len(combined.problems)} lines contradict {EVENTS_FILE}: nothing can be applied",
                   combined.problems)
        return None
    preview(combined)
    try_it(combined)
    return combined


def preview(ready: uploads.Upload) -> None:
    plan = ready.plan
    assert plan is not None, "a ready upload has a plan"
    st.subheader("Preview")
    summary = plan.summary()
    st.write(f"{summary['added']} new events, {summary['duplicates_skipped']} exact duplicates skipped, "
             f"{summary['conflicts']} conflicts with existing statements (added, flagged).")
    for title, frame, key in (("New events", plan.new, "new"), ("Duplicates skipped", plan.duplicates, "duplicates"),
                              ("Conflicts (same settlement, day and claimant; another status)", plan.conflicts,
                               "conflicts")):
        if len(frame):
            st.markdown(f"**{title}**")
            shown = display_frame(frame, [*PREVIEW_COLUMNS, *PLAN_EXTRA_COLUMNS])
            st.dataframe(shown, hide_index=True, key=f"plan-{key}")
            st.download_button(f"Download: {title.split(' (')[0].lower()} (CSV)", to_safe_csv(shown),
                               f"upload-{key}.csv", "text/csv", key=f"plan-download-{key}")

    with_upload = data.preview_dataset(ready)
    timeline = with_upload.timeline()
    first, last = timeline.span
    day = st.slider("Preview the map with the upload at", min_value=widgets.day_to_date(first),
                    max_value=widgets.day_to_date(last), value=widgets.day_to_date(last), key="preview_date")
    counts = timeline.count_by_status(timeline.state_at(day))
    st.dataframe(pd.DataFrame({"status": list(STATUS_ORDER), "settlements": [counts[s] for s in STATUS_ORDER]}),
                 hide_index=True, key="preview-counts")
    st_folium(session_maps.map_of(with_upload, key=ready.digest), key="preview-map", returned_objects=[],
              height=480, use_container_width=True)


def try_it(ready: uploads.Upload) -> None:
    st.subheader("Try it")
    st.caption("Shows the new events on every page of the dashboard, in this browser session only "
               "(what Save with merge would add). Nothing is written; other sessions see nothing.")
    if st.button("Show these events on every page, for this session only", key="try", type="primary"):
        assert ready.plan is not None, "a ready upload has a plan"
        data.try_upload(ready.plan.new)
        st.success(f"Applied for this browser session: the map and all pages now include your "
                   f"{len(ready.plan.new)} new events. Nothing was written; other sessions see nothing.")
    if data.has_upload() and st.button("Stop showing my uploaded events", key="clear_try_after"):
        data.clear_upload()
        st.rerun()


def save_it(ready: uploads.Upload | None, shipped: Dataset) -> None:
    """The secret, Save (with a ready upload), Undo and the history (always)."""
    st.subheader("Save it")
    secret = editing.editor_secret()
    if secret is None:
        st.info(f"Saving is disabled: no editor secret is configured. To enable it, set the environment variable "
                f"`{editor.SECRET_ENV}` or `{editor.SECRET_KEY}` in `.streamlit/secrets.toml`, then restart the app. "
                "Viewing and trying never need it.")
        return
    given = st.text_input("Editor secret", type="password", key="editor_secret")
    events_store = editing.event_store()
    if ready is None:
        st.caption("Upload files without errors to save them. Undo and the history below need no upload.")
    else:
        save_controls(ready, shipped, given, secret, events_store)
    undo_control(given, secret, events_store)
    history_table(events_store)


def save_controls(ready: uploads.Upload, shipped: Dataset, given: str, secret: str,
                  events_store: store.EventStore) -> None:
    mode = st.radio("How", ["merge", "replace"], horizontal=True, key="save_mode", format_func={
        "merge": f"Merge into {EVENTS_FILE}", "replace": f"Replace {EVENTS_FILE} with the upload"}.get)
    confirmed = mode != "replace" or replace_confirmed(ready, shipped)
    if st.button("Save", key="save", disabled=not given or not confirmed):
        save(ready, mode == "replace", given, secret, events_store, shipped)


def replace_confirmed(ready: uploads.Upload, shipped: Dataset) -> bool:
    """What Replace would do; a checkbox to confirm when it removes events."""
    summary = ready.replace_plan(shipped.validation).summary()
    st.warning(f"Replace writes the upload as the whole file: {summary['added']} new, "
               f"{summary['unchanged']} unchanged and {summary['removed']} events of {EVENTS_FILE} "
               "removed (the old file is kept in data/history/; Undo restores it).")
    if not summary["removed"]:
        return True
    return st.checkbox(f"Yes, remove {summary['removed']} events from {EVENTS_FILE}", key="confirm_replace")


def secret_accepted(given: str, secret: str, nothing_was: str) -> bool:
    """Checks the secret (throttled per client); says why not when it is refused."""
    checked = editing.check_editor_secret(given, secret)
    if checked.wait_s:
        st.error(f"Too many wrong editor secrets from you: try again in {math.ceil(checked.wait_s)} s. "
                 f"Nothing was {nothing_was}.")
    elif not checked.ok:
        st.error(f"Wrong editor secret: nothing was {nothing_was}.")
    return checked.ok


def save(ready: uploads.Upload, replace: bool, given: str, secret: str, events_store: store.EventStore,
         shipped: Dataset) -> None:
    if not secret_accepted(given, secret, "saved"):
        return
    try:
        saved = events_store.save(ready.data, replace=replace, validator=shipped.validator, author="dashboard")
    except writing.StoreError as error:
        st.error(f"Nothing was saved: {error}")
        return
    if saved.entry:
        editing.remember_save(saved.entry["id"])
    (st.success if saved.ok else st.error)(md_escape(saved.message))
    if saved.errors:
        st.dataframe(problems_frame(listed_problems(saved.errors)[0]), hide_index=True, key="save-errors")


def undo_control(given: str, secret: str, events_store: store.EventStore) -> None:
    """Undo the newest save when it was made in this session; another writer's save only once confirmed."""
    target = events_store.undo_target()
    if target is None:
        st.caption("Nothing to undo.")
        return
    what = f"the {target.get('action', 'save')} of {target.get('when', '?')}"
    if editing.saved_here(target["id"]):
        label, allowed = f"Undo my last save ({what})", True
    else:
        st.warning(f"The newest save, {what}, was not made in this browser session (author: "
                   f"{md_escape(target.get('author') or 'unknown')}). Undoing it removes that writer's change.")
        label = "Undo that save"
        allowed = st.checkbox(f"Yes, undo {what}", key="confirm_undo")
    if not st.button(label, key="undo", disabled=not given or not allowed):
        return
    if not secret_accepted(given, secret, "changed"):
        return
    try:
        undone = events_store.undo(author="dashboard", expected=target["id"])
    except writing.StoreError as error:
        st.error(f"Nothing was undone: {error}")
        return
    (st.success if undone.ok else st.error)(md_escape(undone.message))


def history_table(events_store: store.EventStore) -> None:
    history = events_store.history()
    if history:
        st.markdown("**History of saves** (previous versions are kept in `data/history/`)")
        st.dataframe(pd.DataFrame(history), hide_index=True, key="history")


st.set_page_config(page_title=f"Upload events · {region.current().name_en} control map", layout="wide")
session_maps.ensure_static_assets()
widgets.names_switch()
st.title("Upload event CSVs")
st.caption(
    "The format is described in `data/README.md`: date, settlement (or katottg), status, claimed_by, source; "
    f"optional hint, url, quote, note, lat, lon. At most {limits.MAX_UPLOAD_MB} MB and "
    f"{limits.MAX_UPLOAD_ROWS:,} rows per file. A control-area map layer (GeoJSON, KML/KMZ or GeoPackage; at most "
    f"{limits.MAX_LAYER_MB} MB and {limits.MAX_LAYER_FEATURES:,} features) is turned into events first. Nothing is "
    "changed until you press Save (which needs the editor secret); Try applies the upload to this browser session "
    "only.")

shipped_data = data.shipped_dataset()
uploaded = st.file_uploader("Event CSV files or control-area layers", type=[*CSV_TYPES, *LAYER_TYPES],
                            accept_multiple_files=True, max_upload_size=max(limits.MAX_UPLOAD_MB, limits.MAX_LAYER_MB),
                            key="upload_files")
valid_upload = None
if not uploaded:
    st.info("Choose one or more CSV files to check them.")
    if data.has_upload():
        st.warning("Your session is showing uploaded events on every page.")
        if st.button("Stop showing my uploaded events", key="clear_try"):
            data.clear_upload()
            st.rerun()
else:
    valid_upload = check_and_preview(uploaded, shipped_data)
save_it(valid_upload, shipped_data)
