"""Town history: one settlement's statements per claimant, its periods of control and its disputes.

URL: /Town_history?settlement=<katottg or a name in any form>[&q=<name as typed>][&claimants=ua,ru,independent]
[&names=uk]
"""


import altair as alt
import pandas as pd
import streamlit as st

from app import pages_support as ps
from app import urls, widgets
from controlmap import region
from controlmap.geo.gazetteer import has_own_point, position_text
from controlmap.geo.resolve import KATOTTG_RE
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS, STATUS_LABELS
from controlmap.timeline import engine, exports, history

page = ps.analyst_page("Town history", "town_claimants")
claimants, name_column, other_column = page.claimants, page.name_column, page.other_column
dataset, timeline = page.dataset, page.timeline
settlements = dataset.gazetteer.settlements

st.title("Town history")
ps.freshness_notice()


def _new_search() -> None:
    """A newly typed name replaces the settlement in the URL until it is resolved again."""
    urls.drop_query("settlement")


def _label(code: str) -> str:
    info = history.settlement_info(settlements, code)
    if info is None:
        return code
    return (f"{info[name_column]} ({info[other_column]}), {info['hromada_en']} hromada, "
            f"{info['raion_en']} raion · {code}")


named = urls.query_text("settlement")
if named and not KATOTTG_RE.match(named.upper()) and not urls.query_text("q"):
    # ?settlement= may hold a name in any form, as the search box does: it is looked up the same way.
    widgets.seed("town_query", named)
widgets.seed("town_query", urls.query_text("q"))
examples = region.current().name_examples
spellings = f" ({', '.join(examples.spellings)}…)" if examples.spellings else ""
query = st.text_input(f"Settlement: any spelling{spellings} or a KATOTTG code", key="town_query",
                      on_change=_new_search,
                      placeholder=f"e.g. {', '.join(examples.towns)}" if examples.towns else None)
code = urls.query_text("settlement") or None
if code and not KATOTTG_RE.match(code.upper()):
    code = None

if query.strip():
    resolution = dataset.resolver.resolve(query.strip())
    if resolution.status == "match":
        code = resolution.katottg
    else:
        if resolution.status == "ambiguous":
            options = [m["katottg"] for m in resolution.matches]
            st.info(f"{len(options)} settlements have this name: choose one (hromada and raion tell them apart).")
            label = "Which one?"
        else:
            options = [s.katottg for s in resolution.suggestions]
            if options:
                st.warning("No settlement has this name. Did you mean one of these?")
            else:
                st.warning("No settlement has this name, and none is close. Try another spelling or a KATOTTG code.")
            label = "Suggestions"
        if options:
            picked = st.selectbox(label, options, index=options.index(code) if code in options else None,
                                  format_func=_label, key="town_pick", placeholder="choose a settlement")
            code = picked
        else:
            code = None
urls.set_query(q=query.strip() or None, settlement=code)

if not code:
    if not query.strip():
        st.write("Type a name above, or open a settlement from the map.")
    ps.sources_caption(dataset, claimants)
    st.stop()

info = history.settlement_info(settlements, code)
if info is None:
    st.error(f"Unknown KATOTTG code {ps.md_escape(code)}: no settlement of "
             f"{ps.md_escape(region.current().name_en)} has it.")
    ps.sources_caption(dataset, claimants)
    st.stop()

# ---------------------------------------------------------------- header
st.header(ps.md_escape(info[name_column]), anchor=False)
facts = pd.DataFrame({
    "field": ["English (KMU 2010)", "Українська", "Former names", "Hromada", "Raion", "KATOTTG", "Category",
              "Position"],
    "value": [info["name_en"], info["name_uk"], ", ".join(info["former_names"]) or "—",
              f"{info['hromada_en']} hromada", f"{info['raion_en']} raion", code, info["category"],
              position_text(info["coord_quality"], info["coord_source"])],
})
left, right = st.columns([3, 2])
with left:
    # A Markdown table, not a data grid: a long value (the position's source) wraps instead of being cut.
    st.container(key="town_facts").markdown("\n".join(
        ["| field | value |", "| --- | --- |",
         *(f"| {ps.md_escape(f)} | {ps.md_escape(v)} |" for f, v in zip(facts.field, facts.value, strict=True))]))
    if not has_own_point(info["coord_quality"]):
        st.info("Approximate position: no exact point is known for this settlement, so it is drawn at the "
                "centre of its hromada, has no cell of its own and counts no area.")

end = engine.from_day(timeline.span[1])  # the data's latest day (the newest map read), not the machine's
now = history.status_at(timeline, code, timeline.span[1])
statements = history.settlement_statements(dataset.events, code, claimants)
per_claimant = history.statements_per_claimant(statements, claimants)

with left:
    if now is not None:
        since = f" since {now['since'].isoformat()}" if now["since"] else ""
        disputed = " — **disputed**: the claimants' recent statements disagree" if now["disputed"] else ""
        st.markdown(f"Displayed on {engine.from_day(timeline.span[1]).isoformat()} (the data's latest day): "
                    f"**{STATUS_LABELS[now['status']]}** ({now['status']}){since}{disputed}.")
        st.caption("Statement responsible:")
        st.text(now["source"] if now["statement"] is None else
                f"{now['statement']['date']} · {now['statement']['claimed_by']} · {now['source']}")
    columns = st.columns(1 + len(claimants))
    columns[0].metric("Statements", len(statements))
    for column, claimant in zip(columns[1:], claimants, strict=True):
        column.metric(claimant, len(per_claimant[claimant]), help=CLAIMANT_LABELS[claimant])

with right:
    ps.settlement_map(info, now["status"] if now else "unknown", key="town_map")
    area = dataset.gazetteer.cell_area_km2.get(code)
    st.caption((f"Filled: its cell, {area:,.1f} km² (the part of its hromada nearer to it than to any other "
                "settlement there), in the colour of its displayed status now. " if area is not None else
                "It has no point of its own, so no cell and no area. ") +
               "Dashed black line: its own boundary (OpenStreetMap), where one exists. Bold line: its hromada; "
               "grey: the other settlements of the hromada. A dashed ring marks an approximate position.")

# ---------------------------------------------------------------- bands
st.subheader("Periods of control", anchor=False)
bands = history.control_bands(timeline, code, end)
disputes = history.dispute_periods(timeline, code, end)
if bands.empty:
    st.write("No period to show.")
else:
    rows = [*claimants, history.DISPLAYED, history.DISPUTED]
    shown = bands.assign(start=pd.to_datetime(bands.start), end=pd.to_datetime(bands.end))
    shown["last_day"] = shown.end - pd.Timedelta(days=1)
    base = alt.Chart(shown).mark_bar(height=16).encode(
        x=alt.X("start:T", title=None, axis=alt.Axis(format="%b %Y"), scale=alt.Scale(domain=[
            pd.Timestamp(engine.from_day(timeline.span[0])).isoformat(), pd.Timestamp(end).isoformat()])),
        x2="end:T",
        y=alt.Y("row:N", sort=rows, title=None, scale=alt.Scale(domain=rows)),
        color=alt.Color("status:N", scale=ps.status_scale(), legend=alt.Legend(title="status")),
        tooltip=[alt.Tooltip("row:N", title="row"), alt.Tooltip("status:N"),
                 alt.Tooltip("start:T", title="from", format="%Y-%m-%d"),
                 alt.Tooltip("last_day:T", title="to", format="%Y-%m-%d"),
                 alt.Tooltip("disputed:N"), alt.Tooltip("source:N", title="statement"),
                 alt.Tooltip("date:N", title="statement date")])
    layers = [base]
    if not disputes.empty:
        shown_disputes = disputes.assign(start=pd.to_datetime(disputes.start), end=pd.to_datetime(disputes.end))
        shown_disputes["last_day"] = shown_disputes.end - pd.Timedelta(days=1)
        layers.append(alt.Chart(shown_disputes).mark_bar(height=16, color="#000000", opacity=0.75).encode(
            x="start:T", x2="end:T", y=alt.Y("row:N", sort=rows, scale=alt.Scale(domain=rows)),
            tooltip=[alt.Tooltip("start:T", title="disputed from", format="%Y-%m-%d"),
                     alt.Tooltip("last_day:T", title="to", format="%Y-%m-%d")]))
    st.altair_chart(alt.layer(*layers).properties(height=40 + 28 * len(rows)), width="stretch", key="town_bands")
    st.caption("A row per claimant (the status it last claimed), the displayed row (what the map shows) and the "
               f"disputed row (black: the included claimants' statements of the last {timeline.window_days} days "
               f"disagree). A band without a later statement runs to {end:%d %b %Y}, the data's latest day. "
               + ps.colours_text())

st.subheader("Disputes", anchor=False)
if disputes.empty:
    st.write("No disputed period under the chosen claimants.")
else:
    ongoing = pd.Timestamp(end) + pd.Timedelta(days=1)
    ps.table(pd.DataFrame({
        "from": [d.isoformat() for d in disputes.start],
        "to": ["ongoing (no later statement settles it)" if pd.Timestamp(e) >= ongoing
               else (pd.Timestamp(e) - pd.Timedelta(days=1)).date().isoformat() for e in disputes.end],
        "first statement in dispute": disputes.source,
    }), key="town_disputes")

# ---------------------------------------------------------------- statements
st.subheader("Statements", anchor=False)
about_area = statements[statements.scope != ""]
if len(about_area):
    areas = sorted({history.statement_about(scope, info) for scope in about_area.scope})
    st.info(f"{len(about_area)} statement(s) below are about {ps.md_escape(', '.join(areas))}, an area larger than "
            f"{ps.md_escape(info[name_column])}: the column *about* says so. On one day they rank below a statement "
            "about the settlement itself.")
if not claimants:
    st.write("No claimant chosen.")
else:
    tabs = st.tabs([f"{c} · {CLAIMANT_LABELS[c]} ({len(per_claimant[c])})" for c in claimants])
    config = {"url": ps.link_column(), "date": st.column_config.DateColumn(format="YYYY-MM-DD"),
              "reported": st.column_config.TextColumn(help="The day the statement was made, where it is later than "
                                                           "the day the state it describes began (date)."),
              "about": st.column_config.TextColumn(help="What the statement is about: the settlement, or the "
                                                        "hromada or raion it lies in.")}
    for tab, claimant in zip(tabs, claimants, strict=True):
        with tab:
            own = per_claimant[claimant]
            table = ps.with_safe_urls(own.drop(columns=["claimed_by", "scope"]).assign(
                about=[history.statement_about(scope, info) for scope in own.scope]))
            if table.empty:
                st.write("No statement.")
            else:
                ps.table(table, key=f"town_statements_{claimant}", column_config=config,
                         column_order=["date", "reported", "about", "status", "source", "url", "quote", "note",
                                       "settlement", "line"])
    excluded = [c for c in CLAIMANTS if c not in claimants]
    if excluded:
        st.caption(f"Not shown (claimant filter): {', '.join(excluded)}.")
    st.download_button("Download these statements (CSV)", exports.to_safe_csv(statements.assign(katottg=code)),
                       file_name=f"statements_{code}.csv", mime="text/csv", key="town_download",
                       on_click="ignore")

with st.expander("How the displayed status is decided"):
    st.markdown(history.RULES_TEXT)
ps.sources_caption(dataset, claimants)
