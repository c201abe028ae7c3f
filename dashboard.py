"""The map page: the settlement map and its panel in one frame (controlmap.web.panel, the published site's panel).

The date, the figures and changes, the claimants, a second front line, the names, a town search, the link and the
citation are all drawn in the browser from the map's own data: a date or claimant change needs no rerun, and the page
holds almost nothing for Streamlit to render (every Streamlit element costs the browser work at start).
"""

import streamlit as st
from streamlit_folium import st_folium

from app import data, session_maps, urls
from controlmap import paths, region
from controlmap.text import md_escape
from controlmap.timeline.engine import from_day, to_day

# No page_icon: an emoji loads Streamlit's emoji catalogue (~0.1 s at first start), a Material icon is
# fetched from Google's servers, and an image file loads PIL.
st.set_page_config(page_title=region.current().title, layout="wide")
leaflet_ready = session_maps.ensure_static_assets()
EVENTS_PATH = paths.shown(paths.EVENTS_CSV)


def data_file_errors() -> None:
    """Rows of the events file that fail validation are left out of every page: say so, with the first error."""
    errors = data.shipped_dataset().validation.errors
    if errors:
        st.error(f"**{md_escape(EVENTS_PATH)} has {len(errors):,} error(s); the rows with errors are left out of "
                 f"every page.** The first: {md_escape(str(errors[0]))}. See them all with "
                 f"`python -m controlmap validate {EVENTS_PATH}`.")


data_file_errors()
if leaflet_ready:
    claimants = urls.query_claimants()
    first, last = data.timeline(claimants).span
    day = min(max(to_day(urls.query_date("date", from_day(last))), first), last)
    # The map reports nothing to Python (no rerun when it starts or moves): its panel keeps the URL.
    st_folium(session_maps.settlement_map(claimants, day), key="map", returned_objects=[], height=640,
              use_container_width=True)
