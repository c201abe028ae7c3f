"""What browsers are sent: the map's wire format, the folium maps and their script, Leaflet and the other files served
from static/, the small maps, the panel beside the map (the dashboard's and the published site's), the published static
site, and the rules for URL values.

May import: the base modules, controlmap.geo, controlmap.events and controlmap.timeline.
"""
