"""Compare two dates: the settlements that changed hands, with the statements responsible, and km² per side.

URL: /Compare_dates?from=YYYY-MM-DD&to=YYYY-MM-DD[&claimants=ua,ru,independent][&names=uk]
"""

import json
from datetime import date

import streamlit as st

from app import pages_support as ps
from app import urls, widgets
from controlmap import region
from controlmap.model import EARLIEST_DATE
from controlmap.timeline import engine, exports, history

EXAMPLES = {label: (first, last) for label, first, last in region.current().compare_examples}

page = ps.analyst_page("Compare two dates", "compare_claimants")
claimants, name_column, other_column = page.claimants, page.name_column, page.other_column
dataset, timeline = page.dataset, page.timeline

st.title("Compare two dates")
ps.freshness_notice()  # a date after the newest map shows no change that happened since

latest_before, latest = history.latest_change(timeline)
low, high = EARLIEST_DATE, max(date.today(), engine.from_day(timeline.span[1]))
first_default = ps.clamp(urls.query_date("from", latest_before), low, high)
second_default = ps.clamp(urls.query_date("to", latest), low, high)


def _example(first: date, second: date) -> None:
    widgets.set_widget(compare_from=first, compare_to=second)


widgets.seed("compare_from", first_default)
widgets.seed("compare_to", second_default)
left, right, examples = st.columns([1, 1, 2])
first = left.date_input("From", min_value=low, max_value=high, key="compare_from", format="YYYY-MM-DD")
second = right.date_input("To", min_value=low, max_value=high, key="compare_to", format="YYYY-MM-DD")
with examples:
    st.caption(f"Default: the latest change ({latest_before.isoformat()} → {latest.isoformat()}). Examples:")
    for i, (label, (a, b)) in enumerate(EXAMPLES.items()):
        st.button(label, key=f"compare_example_{i}", on_click=_example, args=(a, b))
urls.set_query(**{"from": first.isoformat(), "to": second.isoformat()})

if first > second:
    st.info("“From” is after “To”: the table shows what changed going back in time.")

changes = history.changes_with_places(timeline, first, second)
st.subheader(f"{len(changes)} settlement{'s' if len(changes) != 1 else ''} changed hands between "
             f"{first.isoformat()} and {second.isoformat()}", anchor=False)

if changes.empty:
    st.write("No displayed status differs between these dates under the chosen claimants.")
else:
    table = ps.with_safe_urls(changes, ["to_url"]).rename(columns={
        name_column: "name", other_column: "other name", "to_date": "statement date",
        "to_source": "statement responsible (source)", "to_url": "url", "from_source": "earlier statement (source)"})
    # The table across the page (its columns uncut), the map under it (no blank beside a short table).
    ps.table(table, key="compare_table", width="stretch",
             column_order=["name", "other name", "from_status", "to_status", "statement responsible (source)",
                           "statement date", "url", "earlier statement (source)", "hromada_en", "raion_en",
                           "katottg", "coord_quality"],
             column_config={"url": ps.link_column(), "from_status": "from", "to_status": "to",
                            "statement responsible (source)": st.column_config.TextColumn(width="large"),
                            "hromada_en": "hromada", "raion_en": "raion", "coord_quality": "position"})
    moves = changes.groupby(["from_status", "to_status"]).size().reset_index(name="settlements")
    st.caption("; ".join(f"{r.from_status} → {r.to_status}: {r.settlements}" for r in moves.itertuples()))
    ps.points_map(changes, "to_status", name_column, key="compare_map")
    st.caption("Points coloured by the new status; hollow dashed rings are approximate positions (hromada "
               f"centre). {ps.colours_text()}")

st.subheader("Settlements and km² per status (km² approximate)", anchor=False)
areas = exports.area_table(timeline, first, second).merge(history.count_table(timeline, first, second), on="status")
areas = areas[["status", "from_settlements", "to_settlements", "difference", "from_km2", "to_km2",
               "difference_km2"]]
ps.table(areas, key="compare_areas", column_config={
    "from_settlements": f"settlements {first.isoformat()}", "to_settlements": f"settlements {second.isoformat()}",
    "difference": "settlements Δ",
    "from_km2": st.column_config.NumberColumn(f"km² {first.isoformat()} (approx.)", format="%.1f"),
    "to_km2": st.column_config.NumberColumn(f"km² {second.isoformat()} (approx.)", format="%.1f"),
    "difference_km2": st.column_config.NumberColumn("km² Δ (approx.)", format="%+.1f")})

downloads = st.columns(2)
# Files are made only when asked for (a callable runs on the click, not on every rerun).
downloads[0].download_button("Download the comparison (CSV)", lambda: exports.changes_csv(timeline, first, second),
                             file_name=f"changes_{first.isoformat()}_{second.isoformat()}.csv", mime="text/csv",
                             key="compare_download_csv", on_click="ignore")
downloads[1].download_button("Download the comparison (JSON)",
                             lambda: json.dumps(exports.changes_document(timeline, first, second),
                                                ensure_ascii=False, indent=1),
                             file_name=f"changes_{first.isoformat()}_{second.isoformat()}.json",
                             mime="application/json", key="compare_download_json", on_click="ignore")

ps.sources_caption(dataset, claimants, "same figures as `python -m controlmap changes`")
