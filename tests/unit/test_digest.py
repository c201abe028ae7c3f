"""controlmap.digest: a data file's version comes from its content."""

import hashlib
import os

from controlmap.digest import file_sha256


def test_the_digest_is_the_sha256_of_the_content(tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(b"date,settlement\n")
    assert hashlib.sha256(b"date,settlement\n").hexdigest() == file_sha256(path)
    assert "" == file_sha256(tmp_path / "missing.csv")


def test_an_edit_of_the_same_size_with_its_mtime_put_back_is_seen(tmp_path):
    """A version keyed on size and mtime kept citing the old sha256 after such an edit."""
    path = tmp_path / "events.csv"
    path.write_bytes(b"2022-09-10,Kupiansk,ua\n")
    first = file_sha256(path)
    stat = os.stat(path)
    path.write_bytes(b"2022-09-10,Kupiansk,ru\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (os.stat(path).st_size, os.stat(path).st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert hashlib.sha256(b"2022-09-10,Kupiansk,ru\n").hexdigest() == file_sha256(path) != first
