"""Sharing and citing a map: its link, its citation and the data version (the sha256 of the events file)."""

import hashlib
from datetime import date

from controlmap.web import citation


def test_the_data_version_is_the_files_sha256(tmp_path):
    path = tmp_path / "events.csv"
    data = b"date,settlement\n" + b"x" * (3 << 20)  # more than one block
    path.write_bytes(data)
    assert hashlib.sha256(data).hexdigest() == citation.data_version(path)


def test_the_link_keeps_the_pages_address_and_gives_its_values_in_order():
    params = {"zoom": "11", "names": "uk", "claimants": "ru,independent", "date": "2025-12-20", "lat": "49.7100",
              "lon": "37.6158", "extra": "a b"}
    assert ("http://example.org/?date=2025-12-20&claimants=ru,independent&lat=49.7100&lon=37.6158&zoom=11&names=uk"
            "&extra=a+b") == citation.share_url("http://example.org/?old=1#top", params)
    assert "?date=2022-03-01" == citation.share_url("", {"date": "2022-03-01", "claimants": ""})
    assert "http://host:8501/?date=2022-03-01" == citation.share_url("http://host:8501", {"date": "2022-03-01"})


def test_the_citation_names_the_date_claimants_data_version_and_link():
    text = citation.citation(date(2025, 12, 20), ("independent", "ru"), "ab" * 32, "http://x/?date=2025-12-20")
    assert ("Kharkiv oblast: who controlled which settlement, day by day. Map of 20 December 2025 (2025-12-20). "
            "Statements by: Russian officials, independent observers. Data: data/events.csv, sha256 " + "ab" * 32
            + ". http://x/?date=2025-12-20") == text
    none = citation.citation(date(2022, 3, 1), (), "0" * 64, "u", uploaded=True)
    assert "Statements by: none (every settlement at its 24 Feb 2022 baseline)." in none
    assert "sha256 " + "0" * 64 + " plus events uploaded in this browser session only (not published). u" in none
