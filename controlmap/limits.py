"""What an upload may be, defined once. The store, the CLI, the Upload page and the Streamlit server
(``.streamlit/config.toml``'s ``server.maxUploadSize``, kept equal by a unit test) all take their limits here.
"""

MAX_UPLOAD_MB = 5  # megabytes as Streamlit counts them (MiB): server.maxUploadSize and file_uploader use this
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_UPLOAD_ROWS = 50_000
# An uploaded control-area layer (GeoJSON, KML/KMZ, GeoPackage): its file (checked before it is read; at most
# MAX_UPLOAD_MB, the server's limit for any upload), the unpacked content of a KMZ (checked before it is unpacked)
# and its features (counted before any geometry is read). DeepState's archived full layer sets are at most
# 0.63 MB with about 500 features.
MAX_LAYER_MB = 5
MAX_LAYER_BYTES = MAX_LAYER_MB * 1024 * 1024
MAX_LAYER_UNPACKED_MB = 50
MAX_LAYER_UNPACKED_BYTES = MAX_LAYER_UNPACKED_MB * 1024 * 1024
MAX_LAYER_FEATURES = 10_000
# A snapshot file read by import-areas or update (from a folder, an archive or the publisher's API). DeepState's
# full layer sets are at most 0.63 MB; a file of another publisher may be larger, but not without bound.
MAX_SNAPSHOT_MB = 50
MAX_SNAPSHOT_BYTES = MAX_SNAPSHOT_MB * 1024 * 1024
# Longest text a field may hold. The shipped file's longest is a 748-character note; a quote is the sentence
# relied on, not the article.
MAX_FIELD_CHARS = 10_000
# Problems listed (the CLI's lines, its JSON, the Upload page's table); the rest are counted by code.
MAX_LISTED_PROBLEMS = 200


def megabytes(size: int) -> str:
    """A size in the unit the limit is given in, e.g. "6.3 MB"."""
    return f"{size / (1024 * 1024):.1f} MB"
