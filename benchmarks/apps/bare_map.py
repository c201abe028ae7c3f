"""A bare one-map st_folium app (offline Leaflet, an outline, nothing else): the benchmark's baseline."""

from pathlib import Path

import folium
from streamlit_folium import st_folium

from controlmap.web.offline import install_leaflet, offline_map
from tests.support.synthetic import box_outline

install_leaflet(Path(__file__).resolve().parent / "static")
m = offline_map(location=[49.75, 36.75], zoom_start=8)
folium.GeoJson(box_outline()).add_to(m)
st_folium(m, key="map", returned_objects=[], height=560, use_container_width=True)
