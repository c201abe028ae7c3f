""""Copy link" and "Copy citation" buttons: copy the link or the citation they are given to the browser's clipboard
(app/assets/copy_link.js)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_JS = (Path(__file__).resolve().parent / "assets" / "copy_link.js").read_text(encoding="utf-8")
_CSS = """
.cm-copy-link button { font: inherit; padding: 0.25rem 0.75rem; border: 1px solid rgba(49, 51, 63, 0.2);
  border-radius: 0.5rem; background: #ffffff; cursor: pointer; }
.cm-copy-link button:hover { border-color: #ff4b4b; color: #ff4b4b; }
.cm-copy-link button:focus-visible { outline: 2px solid #1565c0; outline-offset: 1px; }
"""
_button = st.components.v2.component("controlmap.copy_link", js=_JS, css=_CSS)


def copy_link(url: str, citation: str = "", key: str = "copy_link") -> None:
    """Buttons that copy ``url`` and ``citation``; only the two texts travel on a rerun."""
    _button(key=key, data={"url": url, "citation": citation})
