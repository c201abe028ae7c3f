"""A page whose script fails: the shipped configuration must keep the traceback out of the browser."""

import streamlit as st

st.title("A page that fails")
raise RuntimeError(f"internal detail that must stay on the server: {__file__}")
