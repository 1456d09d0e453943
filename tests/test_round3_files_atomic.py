"""A handout's two PDFs are written as a pair or not at all, even when the fault comes
after the first of them is already in place (issue 21).

write_together renames the pair's files into place one after the other; if the second
rename fails, the first file's old version must be put back. The disk-full test faults
before any rename, so a restore replaced by a delete went unseen: these fault the renames
themselves, and the hard link that keeps the old file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from conftest import SAMPLE, assert_user_error, run, write
from handoutgen import atomic

CALF = "title: Calf stretch on its own\nexercises:\n  - use: calf-stretch\n"


def _fail_rename_into(monkeypatch, *names: str, error: int = errno.EIO) -> list[str]:
    """os.replace fails when it would put a new file in place of one of `names`; putting a
    kept old file back (see `kept`) still works. Returns the renames made, as 'from -> to'."""
    real = os.replace
    done: list[str] = []

    def replace(src, dst, *args, **kwargs):
        if Path(dst).name in names and str(src) not in _BACKUPS:
            raise OSError(error, os.strerror(error), str(src))
        real(src, dst, *args, **kwargs)
        done.append(f"{Path(src).name} -> {Path(dst).name}")

    monkeypatch.setattr(os, "replace", replace)
    return done


_BACKUPS: set[str] = set()  # the old files write_together kept, while `kept` is in use


@pytest.fixture
def kept(monkeypatch):
    """Every old file write_together keeps (its backups), by name."""
    real = atomic._keep

    def keep(path):
        backup = real(path)
        if backup is not None:
            _BACKUPS.add(backup)
        return backup

    monkeypatch.setattr(atomic, "_keep", keep)
    yield _BACKUPS
    _BACKUPS.clear()


def _pair(folder: Path, first: bytes, second: bytes) -> list[tuple[Path, bytes]]:
    return [(folder / "x.pdf", first), (folder / "x-checklist.pdf", second)]


def _stray(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_failed_second_rename_puts_the_first_file_back(tmp_path, monkeypatch, kept):
    atomic.write_together(_pair(tmp_path, b"old handout", b"old checklist"))
    done = _fail_rename_into(monkeypatch, "x-checklist.pdf")
    with pytest.raises(OSError) as caught:
        atomic.write_together(_pair(tmp_path, b"new handout", b"new checklist"))
    assert caught.value.filename == str(tmp_path / "x-checklist.pdf")
    assert any(step.endswith("-> x.pdf") for step in done), "the fault came before the first rename"
    assert (tmp_path / "x.pdf").read_bytes() == b"old handout"  # put back, not deleted
    assert (tmp_path / "x-checklist.pdf").read_bytes() == b"old checklist"
    assert _stray(tmp_path) == []


def test_a_failed_second_rename_of_a_new_pair_leaves_neither(tmp_path, monkeypatch, kept):
    _fail_rename_into(monkeypatch, "x-checklist.pdf")
    with pytest.raises(OSError):
        atomic.write_together(_pair(tmp_path, b"new handout", b"new checklist"))
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no half pair: as before, nothing


def test_a_failed_last_rename_of_three_puts_both_others_back(tmp_path, monkeypatch, kept):
    names = ["a.pdf", "b.pdf", "c.pdf"]
    atomic.write_together([(tmp_path / n, f"old {n}".encode()) for n in names])
    _fail_rename_into(monkeypatch, "c.pdf")
    with pytest.raises(OSError):
        atomic.write_together([(tmp_path / n, f"new {n}".encode()) for n in names])
    assert [(tmp_path / n).read_bytes() for n in names] == [f"old {n}".encode() for n in names]
    assert _stray(tmp_path) == []


@pytest.mark.parametrize("no_link", [errno.EPERM, errno.ENOTSUP, errno.EMLINK])
def test_without_hard_links_the_old_pair_is_still_put_back(tmp_path, monkeypatch, kept, no_link):
    """FAT and some network shares have no hard links: the old file is kept as a copy."""
    atomic.write_together(_pair(tmp_path, b"old handout", b"old checklist"))
    os.chmod(tmp_path / "x.pdf", 0o640)

    def link(*args, **kwargs):
        raise OSError(no_link, os.strerror(no_link))

    monkeypatch.setattr(os, "link", link)
    _fail_rename_into(monkeypatch, "x-checklist.pdf")
    with pytest.raises(OSError):
        atomic.write_together(_pair(tmp_path, b"new handout", b"new checklist"))
    assert (tmp_path / "x.pdf").read_bytes() == b"old handout"
    assert (tmp_path / "x-checklist.pdf").read_bytes() == b"old checklist"
    assert (os.stat(tmp_path / "x.pdf").st_mode & 0o777) == 0o640
    assert _stray(tmp_path) == []
    monkeypatch.undo()
    atomic.write_together(_pair(tmp_path, b"new handout", b"new checklist"))  # and without the fault: written
    assert (tmp_path / "x.pdf").read_bytes() == b"new handout"


def test_when_the_old_file_cannot_be_kept_nothing_is_replaced(tmp_path, monkeypatch):
    atomic.write_together(_pair(tmp_path, b"old handout", b"old checklist"))

    def cannot(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "link", cannot)
    monkeypatch.setattr(atomic.shutil, "copy2", cannot)
    with pytest.raises(OSError) as caught:
        atomic.write_together(_pair(tmp_path, b"new handout", b"new checklist"))
    assert caught.value.filename == str(tmp_path / "x.pdf")
    assert (tmp_path / "x.pdf").read_bytes() == b"old handout"
    assert (tmp_path / "x-checklist.pdf").read_bytes() == b"old checklist"
    assert _stray(tmp_path) == []


def test_a_build_whose_second_rename_fails_keeps_the_old_pair_whole(clinic, monkeypatch, kept):
    write(clinic / "handouts" / "calf.yaml", CALF)
    assert run("build", root=clinic).exit_code == 0
    out = clinic / "out"
    before = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    exercise = clinic / "exercises" / "calf-stretch.yaml"
    exercise.write_text(exercise.read_text().replace("Calf Stretch", "Wall Calf Stretch"))
    done = _fail_rename_into(monkeypatch, "calf-checklist.pdf", error=errno.ENOSPC)
    result = run("build", "--jobs", "1", root=clinic)
    assert_user_error(result, "handouts/calf.yaml: cannot write out/calf-checklist.pdf: No space left on device")
    assert "-> calf.pdf" in " ".join(done), "the fault came before the first rename of calf's pair"
    after = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert after["calf.pdf"] == before["calf.pdf"] and after["calf-checklist.pdf"] == before["calf-checklist.pdf"]
    assert after[f"{SAMPLE}.pdf"] != before[f"{SAMPLE}.pdf"]  # the other handout was written
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    assert "1 rendered" in run("build", root=clinic).stdout
