"""Time series: settlements and km² per status for every day of the span; snapshot exports at a chosen date.

URL: /Time_series?date=YYYY-MM-DD[&claimants=ua,ru,independent][&scale=log][&names=uk]
"""

import altair as alt
import pandas as pd
import streamlit as st

from app import data, urls, widgets
from app import pages_support as ps
from controlmap.model import STATUS_LABELS, STATUSES
from controlmap.timeline import engine, exports, history

page = ps.analyst_page("Time series", "series_claimants")
claimants, dataset, timeline = page.claimants, page.dataset, page.timeline

st.title("Time series")

first, last = (engine.from_day(d) for d in timeline.span)
widgets.seed("series_date", ps.clamp(urls.query_date("date", last), first, last))
chosen = st.date_input("Date", min_value=first, max_value=last, key="series_date", format="YYYY-MM-DD",
                       help="Marked on the charts; the figures and the snapshot downloads are for this date.")
widgets.seed("series_scale", urls.query_choice("scale", ("linear", "log"), "linear"))
scale = st.radio("Settlements axis", ["linear", "log"], key="series_scale", horizontal=True,
                 format_func={"linear": "linear", "log": "symmetric log (shows the small counts)"}.get)
urls.set_query(date=chosen.isoformat(), scale=None if scale == "linear" else scale)

# ---------------------------------------------------------------- figures at the date
figures = history.figures_at(timeline, chosen)
st.subheader(f"On {chosen.isoformat()}", anchor=False)
columns = st.columns(len(STATUSES))
for column, row in zip(columns, figures.itertuples(), strict=True):
    column.metric(f"{row.status}: settlements", f"{row.settlements:,}", help=STATUS_LABELS[row.status])
    column.caption(f"≈ {row.km2:,.1f} km² (approximate)")
# A Markdown table with the metrics' own number format (a data grid showed 1661 and 29480.5 under "1,661").
st.container(key="series_figures").markdown("\n".join(
    ["| status | settlements | km² (approx.) |", "| --- | ---: | ---: |",
     *(f"| {STATUS_LABELS[r.status]} | {r.settlements:,} | {r.km2:,.1f} |" for r in figures.itertuples())]))

# ---------------------------------------------------------------- charts
# The daily series is a step function: only the days on which a figure changes are sent, drawn as steps.
steps = history.series_steps(timeline.daily_series())
long = history.series_long(steps)
marker = pd.DataFrame({"date": [pd.Timestamp(chosen)], "label": [chosen.isoformat()]})
hover = alt.selection_point(fields=["date"], on="pointerover", empty=False, clear="pointerout")
colour = alt.Color("status:N", scale=ps.status_scale(), sort=list(STATUSES))


def _chart(measure: str, title: str, stacked: bool, log: bool = False) -> alt.LayerChart | alt.FacetChart:
    y = alt.Y(f"{measure}:Q", title=title, stack="zero" if stacked else None,
              scale=alt.Scale(type="symlog") if log else alt.Undefined)
    lines = alt.Chart(long).mark_area(opacity=0.85, interpolate="step-after") if stacked else alt.Chart(
        long).mark_line(strokeWidth=2, interpolate="step-after")
    lines = lines.encode(x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y")), y=y, color=colour,
                         order=alt.Order("status_order:Q"))
    lines = lines.transform_calculate(status_order=f"indexof({list(STATUSES)!r}, datum.status)")
    # One transparent band per period of unchanged figures: hovering anywhere in it shows them.
    tooltip = [alt.Tooltip("date:T", title="from", format="%Y-%m-%d"),
               alt.Tooltip("last:T", title="to", format="%Y-%m-%d")] + [
        alt.Tooltip(f"{s}_{measure}:Q", title=s, format=",.1f" if measure == "km2" else ",d") for s in STATUSES]
    bands = alt.Chart(steps).mark_rect(color="#555555").encode(
        x="date:T", x2="end:T", opacity=alt.condition(hover, alt.value(0.15), alt.value(0.001)), tooltip=tooltip,
    ).add_params(hover)
    chosen_rule = alt.Chart(marker).mark_rule(color="#000000", strokeDash=[4, 3], strokeWidth=2).encode(
        x="date:T", tooltip=[alt.Tooltip("label:N", title="chosen date")])
    return alt.layer(lines, bands, chosen_rule).properties(height=280)


st.subheader("Settlements per status", anchor=False)
st.altair_chart(_chart("settlements", "settlements", stacked=False, log=scale == "log"), width="stretch",
                key="series_settlements")
st.subheader("km² per status (approximate)", anchor=False)
st.altair_chart(_chart("km2", "km² (approximate, stacked)", stacked=True), width="stretch", key="series_km2")
st.caption(f"Hover a chart for the figures of a day; the dashed rule is the chosen date. {ps.colours_text()} "
           "(colour-blind safe)")

# ---------------------------------------------------------------- exports
st.subheader(f"Snapshot of {chosen.isoformat()}", anchor=False)
st.caption("Every settlement's status, since when, and whether it is disputed: the same files as "
           f"`python -m controlmap snapshot --date {chosen.isoformat()} --claimants "
           f"{ps.claimants_text(claimants)} --format csv|geojson`.")
downloads = st.columns(3)
stem = f"snapshot_{chosen.isoformat()}"
fresh = data.freshness()
as_of = fresh.record() if fresh else None  # the newest map read, as the CLI's snapshot says it
# Files are made only when asked for (a callable runs on the click, not on every rerun).
downloads[0].download_button("Snapshot (CSV)", lambda: exports.snapshot_csv(timeline, chosen),
                             file_name=f"{stem}.csv", mime="text/csv", key="series_download_csv", on_click="ignore")
downloads[1].download_button("Snapshot (GeoJSON)", lambda: exports.snapshot_geojson(timeline, chosen, as_of),
                             file_name=f"{stem}.geojson", mime="application/geo+json",
                             key="series_download_geojson", on_click="ignore")
downloads[2].download_button("Snapshot (JSON)", lambda: exports.snapshot_json(timeline, chosen, as_of),
                             file_name=f"{stem}.json", mime="application/json", key="series_download_json",
                             on_click="ignore")

ps.sources_caption(dataset, claimants, f"span {first.isoformat()} – {last.isoformat()}")
