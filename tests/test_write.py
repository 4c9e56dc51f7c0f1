"""Atomic output: temporary folder, swap, refuse collisions and escapes."""

from pathlib import Path

import pytest

from cmi_site.errors import SetupError
from cmi_site.render import Output
from cmi_site.write import write_site


def test_writes_files_and_swaps_in(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert write_site([Output("index.html", b"one"), Output("a/b/index.html", b"two")], out) == 2
    assert (out / "a/b/index.html").read_bytes() == b"two"
    write_site([Output("index.html", b"three")], out)
    assert (out / "index.html").read_bytes() == b"three" and not (out / "a").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "a/../../b.html", "//x.html", "", ".", "./"])
def test_refuses_paths_outside_the_output(tmp_path: Path, path: str) -> None:
    with pytest.raises(SetupError, match="outside the output folder"):
        write_site([Output(path, b"x")], tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_refuses_two_files_at_one_path(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"^two pages would be written to the same file: a\.html$"):
        write_site([Output("a.html", b"1"), Output("a.html", b"2")], tmp_path / "site")


def test_failure_midway_leaves_old_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_site([Output("index.html", b"old")], out)

    def broken(outputs, folder):
        (folder / "index.html").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr("cmi_site.write.write_tree", broken)
    with pytest.raises(OSError):
        write_site([Output("index.html", b"new")], out)
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
