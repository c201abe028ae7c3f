"""Upload event CSVs: validate, fix ambiguous names, preview, try for this session, save without loss."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app import state
from controlmap import store
from controlmap.events import choose_settlements
from controlmap.exports import to_safe_csv

st.set_page_config(page_title="Upload events · Kharkiv oblast control map", layout="wide")
state.ensure_static_assets()
state.names_switch()
st.title("Upload event CSVs")
st.caption(
    "The format is described in `data/README.md`: date, settlement (or katottg), status, claimed_by, source; "
    f"optional hint, url, quote, note, lat, lon. At most {store.MAX_UPLOAD_BYTES // 1_000_000} MB and "
    f"{store.MAX_UPLOAD_ROWS:,} rows per file. Nothing is changed until you press Save (which needs the editor "
    "secret); Try applies the upload to this browser session only.")

shipped = state.shipped_dataset()
files = st.file_uploader("Event CSV files", type=["csv", "tsv", "txt"], accept_multiple_files=True,
                         key="upload_files")
if not files:
    st.info("Choose one or more CSV files to check them.")
    if state.has_upload():
        st.warning("Your session is showing uploaded events on every page.")
        if st.button("Stop showing my uploaded events", key="clear_try"):
            state.clear_upload()
            st.rerun()
    st.stop()

choices: dict[str, dict[str, str]] = st.session_state.setdefault("upload_choices", {})
progress = st.progress(0.0, text="Checking…")
checked = []
for number, upload in enumerate(files, start=1):
    data = choose_settlements(upload.getvalue(), choices.get(upload.name, {})) if choices.get(upload.name) \
        else upload.getvalue()
    problems = store.check_upload_limits(data)
    with st.spinner(f"Validating {upload.name} ({len(data):,} bytes)…"):
        result = None if problems else shipped.validator.validate(data)
    checked.append((upload.name, data, problems or result.problems, result))
    progress.progress(number / len(files), text=f"Checked {number} of {len(files)} files")
progress.empty()

all_ok = True
for name, data, problems, result in checked:
    errors = [p for p in problems if p.severity == "error"]
    all_ok &= not errors
    header = f"{name}: {result.rows if result else 0:,} rows, {len(errors)} errors, " \
             f"{len(problems) - len(errors)} warnings"
    with st.expander(header, expanded=bool(problems)):
        if not problems:
            st.success("No problems found.")
            continue
        frame = pd.DataFrame([p.to_dict() for p in problems])
        st.dataframe(frame, hide_index=True, key=f"problems-{name}")
        st.download_button("Download the problems (CSV)", to_safe_csv(frame), f"problems-{name}",
                           "text/csv", key=f"problems-download-{name}")
        ambiguous = {p.value for p in errors if p.column == "settlement" and p.message.startswith("ambiguous")}
        for settlement in sorted(ambiguous):
            candidates = shipped.resolver.resolve(settlement).matches
            labels = {m["katottg"]: f"{m['name_en']} — {m['hromada_en']} hromada, {m['raion_en']} raion "
                                    f"({m['katottg']})" for m in candidates}
            picked = st.selectbox(f"Which “{settlement}”?", [None, *labels], format_func=lambda k: (
                "choose…" if k is None else labels[k]), key=f"pick-{name}-{settlement}")
            if picked:
                choices.setdefault(name, {})[settlement] = picked
                st.rerun()

if not all_ok:
    st.error("Fix the errors above (or pick the candidates) and upload again: nothing can be applied while "
             "errors remain.")
    st.stop()

upload_bytes = store.render_events(pd.concat([r.events for _, _, _, r in checked], ignore_index=True))
combined = shipped.validator.validate(upload_bytes)
plan = store.plan_merge(shipped.validation, combined)

st.subheader("Preview")
summary = plan.summary()
st.write(f"{summary['added']} new events, {summary['duplicates_skipped']} exact duplicates skipped, "
         f"{summary['conflicts']} conflicts with existing statements (added, flagged).")
columns = ["date", "settlement", "katottg", "status", "claimed_by", "source", "url"]
for title, frame in (("New events", plan.new), ("Duplicates skipped", plan.duplicates),
                     ("Conflicts (same settlement, day and claimant; another status)", plan.conflicts)):
    if len(frame):
        st.markdown(f"**{title}**")
        shown = [c for c in [*columns, "existing_status", "existing_source", "existing_line"] if c in frame]
        st.dataframe(frame[shown], hide_index=True, key=f"plan-{title}")

preview = shipped.with_events(combined.events)
preview_timeline = preview.timeline()
first, last = preview_timeline.span
day = st.slider("Preview the map with the upload at", min_value=state.day_to_date(first),
                max_value=state.day_to_date(last), value=state.day_to_date(last), key="preview_date")
st.write(preview_timeline.count_by_status(preview_timeline.state_at(day)))
st_folium(state.map_of(preview, key=store.sha256(upload_bytes)), key="preview-map", returned_objects=[],
          height=480, use_container_width=True)

st.subheader("Try it")
if st.button("Show these events on every page, for this session only", key="try", type="primary"):
    state.try_upload(combined.events)
    st.success("Applied for this browser session: the map and all pages now include your events. "
               "Nothing was written; other sessions see nothing.")
if state.has_upload() and st.button("Stop showing my uploaded events", key="clear_try_after"):
    state.clear_upload()
    st.rerun()

st.subheader("Save it")
secret = state.editor_secret()
if secret is None:
    st.info(f"Saving is disabled: no editor secret is configured. To enable it, set the environment variable "
            f"`{store.SECRET_ENV}` or `{store.SECRET_KEY}` in `.streamlit/secrets.toml`, then restart the app. "
            "Viewing and trying never need it.")
    st.stop()
given = st.text_input("Editor secret", type="password", key="editor_secret")
mode = st.radio("How", ["merge", "replace"], horizontal=True, key="save_mode", format_func={
    "merge": "Merge into data/events.csv", "replace": "Replace data/events.csv with the upload"}.get)
events_store = state.event_store()
if st.button("Save", key="save", disabled=not given):
    if not store.check_secret(given, secret):
        st.error("Wrong editor secret: nothing was saved.")
    else:
        saved = events_store.save(upload_bytes, replace=mode == "replace", validator=shipped.validator,
                                  author="dashboard")
        (st.success if saved.ok else st.error)(saved.message)
        if saved.errors:
            st.dataframe(pd.DataFrame([p.to_dict() for p in saved.errors]), hide_index=True, key="save-errors")
if st.button("Undo the last save", key="undo", disabled=not given):
    if not store.check_secret(given, secret):
        st.error("Wrong editor secret: nothing was changed.")
    else:
        undone = events_store.undo()
        (st.success if undone.ok else st.error)(undone.message)
history = events_store.history()
if history:
    st.markdown("**History of saves** (previous versions are kept in `data/history/`)")
    st.dataframe(pd.DataFrame(history), hide_index=True, key="history")
