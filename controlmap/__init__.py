"""Control of a region's settlements over time: gazetteer, events, timelines, maps.

The package is the whole logic of the dashboard and the CLI; it never imports streamlit.
"""

__version__ = "0.1.0"
