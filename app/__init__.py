"""The Streamlit shell: glue (caching, session and URL state) and the custom date control."""
