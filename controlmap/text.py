"""Untrusted text (names, sources, quotes from uploaded files) made safe for the places it is shown."""

import re
from urllib.parse import quote

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=\"'&%^@])")


def md_escape(value: object) -> str:
    """Untrusted text made literal inside Streamlit Markdown: every ASCII punctuation mark is backslash-escaped
    (links, emphasis, HTML, LaTeX, :colour[…] directives and :material/…: icons all stay plain text)."""
    text = "" if value is None else str(value)
    text = re.sub(r"\s+", " ", text).strip()
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def safe_url(value: object) -> str | None:
    """The URL if it is an http(s) address, else None (never a javascript: or data: link)."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def md_link(label: str, url: object) -> str:
    """A Markdown link with an escaped label, or just the label when the URL is not http(s)."""
    address = safe_url(url)
    if address is None:
        return md_escape(label)
    return f"[{md_escape(label)}]({quote(address, safe=':/?#@!$&*+,;=%~')})"
