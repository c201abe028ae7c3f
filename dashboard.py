"""The map page: each settlement's controller at the date on the slider, recoloured in the browser."""

from dataclasses import astuple
from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from app import data, publishing, session_maps, urls, widgets
from app.copy_link import copy_link
from app.date_control import date_control
from app.selection_bridge import selection_bridge
from controlmap import paths, region
from controlmap.geo.gazetteer import placement_summary, point_sources
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS, STATUS_LABELS, STATUS_ORDER
from controlmap.text import md_escape, md_link
from controlmap.timeline.engine import ChangeList, from_day, to_day
from controlmap.web import publish
from controlmap.web.citation import citation
from controlmap.web.panel import panel
from controlmap.web.publish import selections_of

# No page_icon: an emoji loads Streamlit's emoji catalogue (~0.1 s at first start), a Material icon is
# fetched from Google's servers, and an image file loads PIL.
st.set_page_config(page_title=region.current().title, layout="wide")
leaflet_ready = session_maps.ensure_static_assets()
# A one-line title close to the top: the map below takes the rest of the window's height.
# On a phone (Streamlit stacks the columns below 640 px) the title is smaller and clear of the header's buttons.
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; } "
        "[data-testid='stMainBlockContainer'] h1 { font-size: 1.4rem; padding: 0 0 0.5rem; } "
        "@media (max-width: 640px) { [data-testid='stMainBlockContainer'] { padding-top: 3.75rem; } "
        "[data-testid='stMainBlockContainer'] h1 { font-size: 1.1rem; } }</style>")
st.title(region.current().title)
freshness = data.freshness()
if freshness is not None:
    st.caption(f"Map data {md_escape(freshness.as_of)}: the newest map snapshot read; the slider runs to it.")
    if freshness.stale:
        st.warning(md_escape(freshness.notice()))


def claimant_filter() -> tuple[str, ...]:
    """The sidebar's claimant checkboxes (first value from the URL); returns the claimants included."""
    from_url = urls.query_claimants()
    st.sidebar.markdown("**Statements included**", help="Whose statements decide the displayed status. "
                        "Claims are never merged.")
    for claimant in CLAIMANTS:
        st.sidebar.checkbox(CLAIMANT_LABELS[claimant], value=claimant in from_url, key=f"claimant_{claimant}")
    chosen = tuple(c for c in CLAIMANTS if widgets.widget_value(f"claimant_{c}", False))
    if not chosen:
        st.sidebar.warning("No statements included: every settlement shows the 24 Feb 2022 baseline.")
    urls.set_query_claimants(chosen)  # `none` for no claimant: a reload keeps the empty choice
    return chosen


def selection_label(claimants: tuple[str, ...]) -> str:
    return " + ".join(CLAIMANT_LABELS[c] for c in claimants) or "no statements (the baseline)"


EVENTS_PATH = paths.shown(paths.EVENTS_CSV)
EVENTS_FILE = md_escape(EVENTS_PATH)
SELECTIONS = selections_of(CLAIMANTS)[1:]  # every non-empty choice of claimants, the single ones first


def compare_filter() -> tuple[str, ...] | None:
    """The sidebar's choice of a second selection whose front line the map draws too (None: none)."""
    options = [None, *SELECTIONS]
    return st.sidebar.selectbox("Second front line", options, key="compare_claimants",
                                format_func=lambda c: "none" if c is None else selection_label(c),
                                help="Draws the front line of another selection of statements over the map, "
                                     "dashed (e.g. Russian officials' claims against independent observers').")


def data_file_errors() -> None:
    """Rows of the events file that fail validation are left out of every page: say so, with the first error."""
    errors = data.shipped_dataset().validation.errors
    if errors:
        st.error(f"**{EVENTS_FILE} has {len(errors):,} error(s); the rows with errors are left out of every "
                 f"page.** The first: {md_escape(str(errors[0]))}. See them all with "
                 f"`python -m controlmap validate {EVENTS_PATH}`.")


# Cheap widgets first, the map last: the browser can lay out the widgets while the server loads the data
# and builds the map.
widgets.names_switch()
claimants = claimant_filter()
compare = compare_filter()
timeline = data.timeline(claimants)
data_file_errors()
first, last = timeline.span
default_day = to_day(urls.query_date("date", from_day(last)))
start_day = min(max(default_day, first), last)
map_column, text_column = st.columns([2, 1], gap="medium")


@st.fragment
def date_and_figures() -> None:
    """The date bridge, Streamlit-side date controls and the text figures: a date change reruns only this,
    never the map (the map is told the new day in the browser)."""
    back, forward = st.columns(2)
    span = {"default": start_day, "first": first, "last": last}
    back.button("◀ 30 days", key="back_30", on_click=widgets.shift_map_day, args=(-30,), kwargs=span,
                use_container_width=True)
    forward.button("30 days ▶", key="forward_30", on_click=widgets.shift_map_day, args=(30,), kwargs=span,
                   use_container_width=True)
    requested = widgets.map_day(start_day)
    committed = date_control(requested - first, last - first + 1, from_day(first).isoformat(),
                             [int(d - first) for d in timeline.change_days if first <= d <= last], key="date_control",
                             on_view=urls.remember_view)
    day = first + int(committed)
    widgets.set_map_day(day)
    urls.set_query(date=from_day(day).isoformat())
    st.subheader(f"{from_day(day):%d %B %Y}")
    shown = panel(timeline, day, session_maps.previous_day("map_previous_day", day, claimants))
    # One Markdown element, not four: every element costs the browser a render at start.
    st.markdown("\n\n".join(part for part in [
        before_the_maps(from_day(day)),
        figures_table(shown.counts, shown.areas),
        f"**Disputed** (the sides' recent statements disagree): {shown.disputed} settlement(s)",
        f"**Changed since {from_day(shown.since):%d %b %Y}:** {shown.changes.total} settlement(s)",
        changes_list(shown.changes, widgets.name_column()),
    ] if part))
    share_and_cite(day)


def share_and_cite(day: int) -> None:
    """A link that reopens this map (date, claimants, view) and the text to cite it by, with the data's sha256."""
    url = urls.share_url()
    cited = citation(from_day(day), claimants, data.data_version(), url, uploaded=data.has_upload())
    copy_link(url, cited)
    # Plain text, not a code block: st.code loads a syntax highlighter, a third more browser work at start.
    st.caption(f"**Cite this map:** {md_escape(cited)}")


def town_list() -> None:
    """A settlement's history by keyboard: type a name (any spelling or code the Town history search takes, or one
    of the list's), Enter; namesakes are told apart there."""
    chosen = widgets.town_to_open()
    if chosen:
        st.switch_page("pages/1_Town_history.py",
                       query_params={"settlement": chosen, **({"names": "uk"} if widgets.names_language() == "uk"
                                                               else {})})
    st.selectbox("Open a town's history", data.settlement_names(), index=None, key=widgets.OPEN_TOWN,
                 on_change=widgets.town_chosen, accept_new_options=True,
                 placeholder="type a settlement's name, then Enter")


def before_the_maps(day: date) -> str:
    """A warning for days before the first dated control-area map: only researched statements speak then."""
    first_map = data.first_map_date()
    if first_map is None or day >= first_map:
        return ""
    baseline = region.current().baseline.describe()
    if region.current().maps_only:  # no researched statements: nothing speaks before the maps but the baseline
        return (f"**Before {first_map:%d %B %Y}**, the first archived control map, the map shows the 24 Feb 2022 "
                f"baseline ({baseline}).")
    return (f"**Before {first_map:%d %B %Y}**, the first archived control map, only researched statements "
            f"speak: a settlement nobody wrote about shows the 24 Feb 2022 baseline ({baseline}).")


def figures_table(counts: dict, areas: dict) -> str:
    """The map as text: settlements and approximate km² per status (a Markdown table: no data grid to load)."""
    rows = [f"| {STATUS_LABELS[s]} | {counts[s]:,} | {areas[s]:,.1f} |" for s in STATUS_ORDER]
    return "\n".join(["| status | settlements | area km² (approx.) |", "| --- | ---: | ---: |", *rows])


def responsible(row: dict[str, str]) -> str:
    if row["to_source"] in region.current().baseline.sources():
        return "the 24 Feb 2022 baseline (no statement before this date)"
    return f"{md_link(row['to_source'], row['to_url'])} ({row['to_date']})"


def changes_list(changed: ChangeList, name_column: str) -> str:
    """Changed settlements with the statement responsible (the first rows the list holds, then how many
    more); every field from the data escaped."""
    lines = [f"- **{md_escape(row[name_column])}**: {STATUS_LABELS[row['from_status']]} → "
             f"{STATUS_LABELS[row['to_status']]}, {responsible(row)}"
             for row in changed.rows]
    if changed.total > len(changed.rows):
        lines.append(f"- … and {changed.total - len(changed.rows)} more (see the Compare dates page)")
    return "\n".join(lines)


def publish_section(first_day: date, last_day: date) -> None:
    """A static copy of the map for readers at scale: the zip that `python -m controlmap publish` writes, and the
    snippet that embeds it."""
    # A toggle, not an expander: its widgets (a date picker, a code block…) are sent and loaded only when asked for,
    # not with every start of the map page.
    if not st.toggle("Publish / embed", key="publish_open"):
        return
    with st.container(border=True):
        st.markdown("A static site of this map (the shipped data, without this session's uploads) for any static "
                    "host or CDN: readers scrub, play, choose claimants and open sources with no server. The same "
                    "as `python -m controlmap publish OUT_DIR` with these choices; see docs/deploy.md.")
        title = st.text_input("Title", publish.default_title(), max_chars=160, key="publish_title")
        chosen = st.multiselect("Claimants readers may choose among", CLAIMANTS, default=list(CLAIMANTS),
                                format_func=lambda c: CLAIMANT_LABELS[c], key="publish_claimants")
        start_column, end_column = st.columns(2)
        first = start_column.date_input("From (empty: the start)", value=None, min_value=first_day,
                                        max_value=last_day, key="publish_from")
        last = end_column.date_input("To (empty: the latest)", value=None, min_value=first_day, max_value=last_day,
                                     key="publish_to")
        request = publish.SiteRequest(tuple(c for c in CLAIMANTS if c in chosen), first, last, title)
        try:
            publish.check(request)
        except publish.PublishError as error:
            st.error(f"Cannot publish: {error}.")
            return
        st.download_button("Download the site (zip)", data=lambda: publishing.site_zip(*astuple(request)),
                           file_name="controlmap-site.zip", mime="application/zip", on_click="ignore",
                           key="publish_download")
        address = st.text_input("Address the site will be served at", "https://example.org/kharkiv-map/",
                                max_chars=500, key="publish_address")
        st.code(publish.iframe_snippet(address, title), language="html")


with text_column:
    town_list()
    date_and_figures()
    dataset = data.dataset()
    st.caption(f"From {EVENTS_FILE} ({len(dataset.events):,} events"
               f"{' + your uploaded events, this session only' if data.has_upload() else ''}); statements by: "
               f"{', '.join(CLAIMANT_LABELS[c] for c in claimants) or 'none'}. Areas: each settlement's cell, the "
               f"part of its hromada nearer to it than to any other "
               f"({placement_summary(dataset.gazetteer.settlements)}). Before a settlement's first statement it "
               f"shows the 24 Feb 2022 baseline ({region.current().baseline.describe()})."
               + (f" {region.MAPS_ONLY_NOTE}" if region.current().maps_only else ""))
    publish_section(from_day(first), from_day(last))
with map_column:
    # The map reports nothing itself (no rerun when it starts or moves): views reach the URL through the
    # date control's bridge, which reruns only the figures.
    if leaflet_ready:
        # One map per session: another claimant selection is shown on it in the browser, never rebuilt.
        st_folium(session_maps.settlement_map(claimants, widgets.map_day(start_day)), key="map",
                  returned_objects=[], height=640, use_container_width=True)
        push = session_maps.selection_push(claimants, compare)
        if push:
            selection_bridge(*push)
    placed_by = ", else ".join(point_sources(data.dataset().gazetteer.settlements)) or "none"
    st.caption(f"Points: settlements at their own point ({placed_by}). Hollow dashed marks: "
               "settlements drawn approximately around their hromada centre. Lines: hromada boundaries "
               "(OpenStreetMap); cells: each settlement's share of its hromada.")
