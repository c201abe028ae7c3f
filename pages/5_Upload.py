"""Upload event CSVs: validate, fix ambiguous names, preview, try for this session, save without loss.

Everything that comes from an uploaded file is untrusted: it is shown through st.dataframe (drawn on a canvas)
or through `md_escape`d Markdown, never as HTML, and the CSV downloads go through `to_safe_csv` (cells that
look like spreadsheet formulas get a leading '). Nothing is written unless the editor secret is configured
and given; Undo and the history of saves need no upload.
"""

from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app import state
from app.pages_support import md_escape
from controlmap import store
from controlmap.dataset import Dataset
from controlmap.events import ValidationResult, choose_settlements
from controlmap.exports import to_safe_csv

SHOWN_ERRORS = 5  # errors per file written out as text; all of them are in the table and its download
PREVIEW_COLUMNS = ["date", "settlement", "hint", "katottg", "status", "claimed_by", "source", "url", "quote",
                   "note", "lat", "lon"]
CORE_COLUMNS = ("date", "settlement", "katottg", "status", "claimed_by", "source", "url")
PLAN_EXTRA_COLUMNS = ["existing_status", "existing_source", "existing_line"]
STATUS_ORDER = ("ua", "ru", "contested", "unknown")


@dataclass
class Checked:
    number: int
    name: str
    data: bytes
    problems: list
    result: ValidationResult | None

    @property
    def errors(self) -> list:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class Upload:
    """A valid upload: the bytes Save writes (all files' events, normalised), their validation, the merge plan."""

    data: bytes
    combined: ValidationResult
    plan: store.MergePlan


def problem_text(problem) -> str:
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


def check_files(files, shipped: Dataset, choices: dict[str, dict[str, str]]) -> list[Checked]:
    progress = st.progress(0.0, text="Checking…")
    checked = []
    for number, upload in enumerate(files, start=1):
        data = upload.getvalue()
        problems = store.check_upload_limits(data)
        if not problems and choices.get(upload.name):
            data = choose_settlements(data, choices[upload.name])
        with st.spinner(f"Validating {md_escape(upload.name)} ({len(data):,} bytes)…"):
            result = None if problems else shipped.validator.validate(data)
        checked.append(Checked(number, upload.name, data, problems or result.problems, result))
        progress.progress(number / len(files), text=f"Checked {number} of {len(files)} files")
    progress.empty()
    return checked


def show_file(file: Checked, shipped: Dataset, choices: dict[str, dict[str, str]]) -> None:
    errors = file.errors
    header = (f"{md_escape(file.name)}: {file.result.rows if file.result else 0:,} rows, {len(errors)} errors, "
              f"{len(file.problems) - len(errors)} warnings")
    with st.expander(header, expanded=bool(file.problems)):
        if choices.get(file.name) and file.result is not None:
            st.caption("Settlements you picked: " + "; ".join(
                f"{md_escape(name)} → {md_escape(code)}" for name, code in choices[file.name].items()))
        if not file.problems:
            st.success("No problems found.")
            return
        if errors:
            error_list(f"{file.name}: {len(errors)} errors", errors)
        frame = pd.DataFrame([p.to_dict() for p in file.problems])
        st.dataframe(frame, hide_index=True, key=f"problems-{file.number}")
        st.download_button("Download the problems (CSV)", to_safe_csv(frame), f"problems-{file.name}",
                           "text/csv", key=f"problems-download-{file.number}")
        ambiguous = {p.value for p in errors if p.column == "settlement" and p.message.startswith("ambiguous")}
        for settlement in sorted(ambiguous):
            candidates = shipped.resolver.resolve(settlement).matches
            labels = {m["katottg"]: f"{m['name_en']} — {m['hromada_en']} hromada, {m['raion_en']} raion "
                                    f"({m['katottg']})" for m in candidates}
            picked = st.selectbox(f"Which “{md_escape(settlement)}”?", [None, *labels],
                                  format_func=lambda k, labels=labels: "choose…" if k is None else labels[k],
                                  key=f"pick-{file.number}-{file.name}-{settlement}")
            if picked:
                choices.setdefault(file.name, {})[settlement] = picked
                st.rerun()


def check_and_preview(files, shipped: Dataset) -> Upload | None:
    """Validation, then (when there are no errors) the preview and Try. The valid upload, or None."""
    choices = state.upload_choices()
    checked = check_files(files, shipped, choices)
    for file in checked:
        show_file(file, shipped, choices)
    if any(file.errors for file in checked):
        st.error("Fix the errors above (or pick the candidates) and upload again: nothing can be applied while "
                 "errors remain.")
        return None

    upload_bytes = store.render_events(pd.concat([f.result.events for f in checked], ignore_index=True))
    combined = shipped.validator.validate(upload_bytes)
    if not combined.ok:  # e.g. the same row in two files, or two files giving one source two statuses
        error_list("The files together have errors (line numbers count the files' rows one after the other)",
                   combined.errors)
        return None
    plan = store.plan_merge(shipped.validation, combined)
    if not plan.ok:
        error_list(f"{len(plan.problems)} lines contradict data/events.csv: nothing can be applied", plan.problems)
        return None
    upload = Upload(upload_bytes, combined, plan)
    preview(upload, shipped)
    try_it(upload)
    return upload


def preview(upload: Upload, shipped: Dataset) -> None:
    plan = upload.plan
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

    with_upload = shipped.with_events(plan.new)
    timeline = with_upload.timeline()
    first, last = timeline.span
    day = st.slider("Preview the map with the upload at", min_value=state.day_to_date(first),
                    max_value=state.day_to_date(last), value=state.day_to_date(last), key="preview_date")
    counts = timeline.count_by_status(timeline.state_at(day))
    st.dataframe(pd.DataFrame({"status": list(STATUS_ORDER), "settlements": [counts[s] for s in STATUS_ORDER]}),
                 hide_index=True, key="preview-counts")
    st_folium(state.map_of(with_upload, key=store.sha256(upload.data)), key="preview-map", returned_objects=[],
              height=480, use_container_width=True)


def try_it(upload: Upload) -> None:
    st.subheader("Try it")
    st.caption("Shows the new events on every page of the dashboard, in this browser session only "
               "(what Save with merge would add). Nothing is written; other sessions see nothing.")
    if st.button("Show these events on every page, for this session only", key="try", type="primary"):
        state.try_upload(upload.plan.new)
        st.success(f"Applied for this browser session: the map and all pages now include your "
                   f"{len(upload.plan.new)} new events. Nothing was written; other sessions see nothing.")
    if state.has_upload() and st.button("Stop showing my uploaded events", key="clear_try_after"):
        state.clear_upload()
        st.rerun()


def save_it(upload: Upload | None, shipped: Dataset) -> None:
    """The secret, Save (with a valid upload), Undo and the history (always)."""
    st.subheader("Save it")
    secret = state.editor_secret()
    if secret is None:
        st.info(f"Saving is disabled: no editor secret is configured. To enable it, set the environment variable "
                f"`{store.SECRET_ENV}` or `{store.SECRET_KEY}` in `.streamlit/secrets.toml`, then restart the app. "
                "Viewing and trying never need it.")
        return
    given = st.text_input("Editor secret", type="password", key="editor_secret")
    events_store = state.event_store()
    if upload is None:
        st.caption("Upload files without errors to save them. Undo and the history below need no upload.")
    else:
        mode = st.radio("How", ["merge", "replace"], horizontal=True, key="save_mode", format_func={
            "merge": "Merge into data/events.csv", "replace": "Replace data/events.csv with the upload"}.get)
        confirmed = True
        if mode == "replace":
            plan = store.plan_merge(shipped.validation, upload.combined, replace=True)
            summary = plan.summary()
            st.warning(f"Replace writes the upload as the whole file: {summary['added']} new, "
                       f"{summary['unchanged']} unchanged and {summary['removed']} events of data/events.csv "
                       "removed (the old file is kept in data/history/; Undo restores it).")
            if summary["removed"]:
                confirmed = st.checkbox(f"Yes, remove {summary['removed']} events from data/events.csv",
                                        key="confirm_replace")
        if st.button("Save", key="save", disabled=not given or not confirmed):
            if not store.check_secret(given, secret):
                st.error("Wrong editor secret: nothing was saved.")
            else:
                try:
                    saved = events_store.save(upload.data, replace=mode == "replace", validator=shipped.validator,
                                              author="dashboard")
                except store.StoreError as error:
                    st.error(f"Nothing was saved: {error}")
                else:
                    (st.success if saved.ok else st.error)(md_escape(saved.message))
                    if saved.errors:
                        st.dataframe(pd.DataFrame([p.to_dict() for p in saved.errors]), hide_index=True,
                                     key="save-errors")
    if st.button("Undo the last save", key="undo", disabled=not given):
        if not store.check_secret(given, secret):
            st.error("Wrong editor secret: nothing was changed.")
        else:
            try:
                undone = events_store.undo(author="dashboard")
            except store.StoreError as error:
                st.error(f"Nothing was undone: {error}")
            else:
                (st.success if undone.ok else st.error)(md_escape(undone.message))
    history = events_store.history()
    if history:
        st.markdown("**History of saves** (previous versions are kept in `data/history/`)")
        st.dataframe(pd.DataFrame(history), hide_index=True, key="history")


st.set_page_config(page_title="Upload events · Kharkiv oblast control map", layout="wide")
state.ensure_static_assets()
state.names_switch()
st.title("Upload event CSVs")
st.caption(
    "The format is described in `data/README.md`: date, settlement (or katottg), status, claimed_by, source; "
    f"optional hint, url, quote, note, lat, lon. At most {store.MAX_UPLOAD_BYTES / 1e6:g} MB and "
    f"{store.MAX_UPLOAD_ROWS:,} rows per file. Nothing is changed until you press Save (which needs the editor "
    "secret); Try applies the upload to this browser session only.")

shipped_data = state.shipped_dataset()
uploaded = st.file_uploader("Event CSV files", type=["csv", "tsv", "txt"], accept_multiple_files=True,
                            key="upload_files")
valid_upload = None
if not uploaded:
    st.info("Choose one or more CSV files to check them.")
    if state.has_upload():
        st.warning("Your session is showing uploaded events on every page.")
        if st.button("Stop showing my uploaded events", key="clear_try"):
            state.clear_upload()
            st.rerun()
else:
    valid_upload = check_and_preview(uploaded, shipped_data)
save_it(valid_upload, shipped_data)
