"""The Publish page: its zip is the CLI's site for the same arguments, and what it asks for is checked before
anything is built."""

import io
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from controlmap.web import publish

ROOT = Path(__file__).resolve().parents[2]


def test_the_dashboards_zip_equals_the_clis_site_for_the_same_arguments(tmp_path):
    from app import publishing

    out = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "controlmap", "publish", str(out), "--claimants", "ru,independent",
                    "--from", "2022-06-01", "--to", "2023-06-01", "--title", "Kharkiv, 2022–23"],
                   cwd=ROOT, check=True, capture_output=True)
    written = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    archive = publishing.site_zip(("ru", "independent"), date(2022, 6, 1), date(2023, 6, 1), "Kharkiv, 2022–23")
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert {name: z.read(name) for name in z.namelist()} == written
    assert archive == publish.site_zip(written)


def run_publish_page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "6_Publish.py"), default_timeout=120).run()


def test_the_page_offers_the_download_and_the_embed_snippet():
    at = run_publish_page()
    assert ["Publish the map"] == [t.value for t in at.title]
    assert at.text_input(key="publish_title").value == publish.default_title()
    at.text_input(key="publish_address").set_value("https://maps.example.net/kh/").run()
    snippets = [c.value for c in at.code if c.value.startswith("<iframe")]
    assert snippets == [publish.iframe_snippet("https://maps.example.net/kh/", publish.default_title())]
    assert not at.error


def test_a_request_that_cannot_be_published_says_why_and_offers_no_download():
    at = run_publish_page()
    at.multiselect(key="publish_claimants").set_value([]).run()
    assert [e.value for e in at.error] == ["Cannot publish: claimants are ua, ru, independent (got none)."]
    assert not [c for c in at.code if c.value.startswith("<iframe")]
    at.multiselect(key="publish_claimants").set_value(["ru"]).run()
    at.date_input(key="publish_from").set_value(date(2024, 1, 2)).run()
    at.date_input(key="publish_to").set_value(date(2024, 1, 1)).run()
    assert [e.value for e in at.error] == ["Cannot publish: --from 2024-01-02 is after --to 2024-01-01."]
