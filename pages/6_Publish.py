"""Publish: a static copy of the map for readers at scale — the zip that `python -m controlmap publish` writes — and
the snippet that embeds it."""

from dataclasses import astuple

import streamlit as st

from app import data, publishing
from controlmap import region
from controlmap.model import CLAIMANT_LABELS, CLAIMANTS
from controlmap.timeline.engine import from_day
from controlmap.web import publish

st.set_page_config(page_title=f"Publish · {region.current().title}", layout="wide")
st.title("Publish the map")
st.markdown("A static site of the map page (the shipped data, without this session's uploads) for any static host or "
            "CDN: readers scrub, play, choose claimants, copy links and open sources with no server. The same as "
            "`python -m controlmap publish OUT_DIR` with these choices; see docs/deploy.md.")

first_day, last_day = (from_day(d) for d in data.timeline().span)
title = st.text_input("Title", publish.default_title(), max_chars=160, key="publish_title")
chosen = st.multiselect("Claimants readers may choose among", CLAIMANTS, default=list(CLAIMANTS),
                        format_func=lambda c: CLAIMANT_LABELS[c], key="publish_claimants")
start_column, end_column = st.columns(2)
first = start_column.date_input("From (empty: the start)", value=None, min_value=first_day, max_value=last_day,
                                key="publish_from")
last = end_column.date_input("To (empty: the latest)", value=None, min_value=first_day, max_value=last_day,
                             key="publish_to")
request = publish.SiteRequest(tuple(c for c in CLAIMANTS if c in chosen), first, last, title)
try:
    publish.check(request)
except publish.PublishError as error:
    st.error(f"Cannot publish: {error}.")
    st.stop()
st.download_button("Download the site (zip)", data=lambda: publishing.site_zip(*astuple(request)),
                   file_name="controlmap-site.zip", mime="application/zip", on_click="ignore",
                   key="publish_download")
address = st.text_input("Address the site will be served at", "https://example.org/kharkiv-map/", max_chars=500,
                        key="publish_address")
st.code(publish.iframe_snippet(address, title), language="html")
