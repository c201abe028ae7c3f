"""The dashboard's own map alone: the data folder's settlements, cells and lines for the newest day, with every
choice of claimants alongside, as the map page starts it, without its panel. Served by dashboard_map_server.py, which
warms the data up as the dashboard's server does.

Against the bare map (bare_map.py) it measures what drawing the data costs at start; the dashboard against it, what
the map page's panel and other elements cost.
"""

from pathlib import Path

from streamlit_folium import st_folium

from app import data, urls
from controlmap.web.maps import dataset_layer, map_of_layer
from controlmap.web.offline import install_assets
from controlmap.web.wire import day_index

STATIC_DIR = Path(__file__).resolve().parent / "static"
install_assets(STATIC_DIR)
claimants = urls.query_claimants()
dataset = data.dataset()
layer = dataset_layer(dataset, claimants, every_selection=True)
m = map_of_layer(layer, initial_day=day_index(dataset.timeline(claimants)), mode="cells", fill_window=True,
                 static_dir=STATIC_DIR)
st_folium(m, key="map", returned_objects=[], height=640, use_container_width=True)
