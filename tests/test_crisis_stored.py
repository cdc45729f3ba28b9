"""The built crisis detector kept on disk (bot/crisis_detect/stored.py): read back when safe,
built again when its sources changed, the file is odd or the folder cannot be written."""

from __future__ import annotations

import os
import pickle

import pytest

from bot.crisis_detect import stored
from bot.crisis_detect.engine import CrisisDetector


@pytest.fixture
def folder(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv("MENTORBOT_CACHE_DIR", str(where))
    return where


class Builds:
    """A stand-in build that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        return {"built": self.calls}


def test_the_second_process_reads_what_the_first_built(folder):
    build = Builds()
    assert stored.load_or_build(build) == {"built": 1}
    assert stored.load_or_build(build) == {"built": 1}, "read back, not built again"
    assert build.calls == 1
    (kept,) = folder.iterdir()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct(kept.stat().st_mode & 0o777) == "0o600"


def test_changed_sources_build_afresh_and_the_old_file_goes(folder, monkeypatch):
    build = Builds()
    stored.load_or_build(build)
    monkeypatch.setattr(stored, "source_key", lambda: "another-release")
    assert stored.load_or_build(build) == {"built": 2}
    assert [p.name for p in folder.iterdir()] == [f"{stored.PREFIX}another-release.pickle"]


def test_a_file_others_may_write_is_never_read(folder):
    build = Builds()
    stored.load_or_build(build)
    (kept,) = folder.iterdir()
    kept.write_bytes(pickle.dumps({"planted": True}))
    os.chmod(kept, 0o666)
    assert stored.load_or_build(build) == {"built": 2}


def test_a_broken_file_is_built_again(folder):
    build = Builds()
    stored.load_or_build(build)
    (kept,) = folder.iterdir()
    kept.write_bytes(b"not a pickle")
    assert stored.load_or_build(build) == {"built": 2}
    assert stored.load_or_build(build) == {"built": 2}, "and kept again"


def test_a_folder_that_cannot_be_written_still_gives_a_detector(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MENTORBOT_CACHE_DIR", str(blocker / "cache"))
    build = Builds()
    assert stored.load_or_build(build) == {"built": 1}
    assert stored.load_or_build(build) == {"built": 2}


def test_the_kept_detector_finds_what_a_built_one_finds(folder):
    built = CrisisDetector.default()
    kept = CrisisDetector.default()
    assert kept is not built and any(folder.iterdir())
    texts = [
        "I want to kill myself",
        "en jaksa enää, haluun vaan kuolla",
        "jag tänker knivhugga honom i morgon",
        "my feet are killing me after the workshop",
        "we talked about suicide prevention today",
    ]
    assert [kept.scan(t) for t in texts] == [built.scan(t) for t in texts]
    assert kept.scan(texts[0]) is not None and kept.scan(texts[3]) is None
