"""Settings for the whole suite."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_dataset_cache(tmp_path_factory):
    """The apps and servers the tests start keep their dataset cache in a directory of this run, not the
    user's ~/.cache (an environment variable, so that Streamlit servers started by tests inherit it)."""
    previous = os.environ.get("CONTROLMAP_CACHE_DIR")
    os.environ["CONTROLMAP_CACHE_DIR"] = str(tmp_path_factory.mktemp("controlmap-cache"))
    yield
    if previous is None:
        os.environ.pop("CONTROLMAP_CACHE_DIR", None)
    else:
        os.environ["CONTROLMAP_CACHE_DIR"] = previous
