"""Shared fixtures."""

from __future__ import annotations

import compileall
import hashlib
import re
import sys
import threading
from pathlib import Path

import pytest

from bot import content as content_module
from bot import i18n
from bot.features.reports import chart_worker, xlsx_worker
from tests.fakes import warm_workers
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import Harness

# The longest files and tests, with their seconds on the 2-core VM (measured; a file's entry covers
# its tests not listed on their own). pytest-xdist gives each worker a contiguous share of the
# list and an idle worker steals only from the end of another's: all of these first in one list
# would run one after another on the first worker (measured: 11 tests, its whole run). They are
# dealt out instead, longest first, to the start of the worker that has the least of them.
HEAVY = {
    "test_random_updates.py": 15.0,
    "test_reports.py": 15.0,
    "test_web_browser.py": 13.0,  # one chromium for the module: its tests stay together
    "test_outbox.py": 9.0,
    "test_faults.py": 9.0,
    "test_faults.py::test_a_busy_day_through_faults_loses_no_state_and_no_broadcast": 8.0,
    "test_console.py": 7.0,
    "test_faults.py::test_faults_on_get_updates_lose_and_repeat_no_update": 6.0,
    "test_odd_input.py": 6.0,
    "test_e2e_signal.py": 6.0,
    "test_pace.py": 4.0,
    "test_web.py": 4.0,
    "test_core.py": 4.0,
    "test_hardening.py": 3.0,
    "test_ops.py": 3.0,
}

_load_content = content_module.load_content
_loaded: dict[tuple, content_module.Content] = {}
_load_strings = i18n.load
_strings: dict[tuple, dict[str, dict[str, str]]] = {}


def _key(root: Path, files) -> tuple:
    # By the files' bytes, not their times: a test may edit a copy twice within a clock tick.
    return (root, *((str(p), hashlib.sha256(p.read_bytes()).digest()) for p in sorted(files)))


def _cached_load_content(directory: Path | str) -> content_module.Content:
    """load_content, validated once per content tree: Content is immutable (frozen models)."""
    root = Path(directory).resolve()
    key = _key(root, (p for p in root.rglob("*") if p.is_file()))
    if key not in _loaded:
        _loaded[key] = _load_content(root)  # raises ContentError on invalid files: not kept
    return _loaded[key]


def _cached_load_strings(directory: Path | str = i18n.DEFAULT_LOCALES) -> None:
    """i18n.load, flattened once per set of locale files (measured: 16 ms at every app start).

    The bot only ever replaces i18n's table, never changes it in place, so one can be shared.
    """
    root = Path(directory).resolve()
    key = _key(root, root.glob("*.yaml"))  # the files i18n.load reads
    if key not in _strings:
        _load_strings(root)  # raises on a broken file: nothing kept
        _strings[key] = i18n._strings
    i18n._strings = _strings[key]


TESTS = Path(__file__).resolve().parent
TEST_FILE = re.compile(r"/test_[^/]*\.py$")
_prepared: threading.Thread | None = None


def pytest_configure(config: pytest.Config) -> None:
    """In the xdist controller: fill the caches every worker would otherwise fill at the same time.

    On a fresh clone each of the 3 workers compiled the same modules and rewrote the same test
    files' asserts (measured: 2.7 s of CPU a worker), and built the crisis detector that the
    first one to finish keeps on disk (0.25 s). Done once here, in a thread, while the workers
    start; a worker that gets there first does it itself, as before.
    """
    global _prepared
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", default=None):
        return
    _prepared = threading.Thread(target=_prepare, args=(config,), daemon=True)
    _prepared.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Wait for the caches' thread (it ends within seconds of the start)."""
    if _prepared is not None:
        _prepared.join(timeout=30)


def _prepare(config: pytest.Config) -> None:
    if not sys.dont_write_bytecode:
        _rewrite_test_files(config)
        for folder in (TESTS.parent / "bot", TESTS.parent / "storage", TESTS):
            compileall.compile_dir(folder, quiet=2, rx=TEST_FILE)  # test files: rewritten above
    from bot.crisis_detect.engine import CrisisDetector

    CrisisDetector.default()  # kept on disk by the first process that builds it


def _rewrite_test_files(config: pytest.Config) -> None:
    """Write the assert-rewritten bytecode of the test files, as pytest's import hook would."""
    try:  # pytest's own steps (8.x and 9.x); anything else: the workers do it as before
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        for path in sorted(TESTS.glob("test_*.py")):
            folder = rewrite.get_cache_dir(path)
            pyc = folder / (path.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(path, pyc, state.trace) is None:
                folder.mkdir(exist_ok=True)
                source, code = rewrite._rewrite_test(path, config)
                rewrite._write_pyc(state, code, source, pyc)
    except (AttributeError, ImportError, KeyError, OSError, SyntaxError):
        return


def _heavy_key(item: pytest.Item) -> str | None:
    test = f"{item.path.name}::{item.originalname}"
    return test if test in HEAVY else item.path.name if item.path.name in HEAVY else None


def _shares(count: int, workers: int) -> list[int]:
    """How many tests of the list each worker gets first (as pytest-xdist's worksteal splits)."""
    shares = []
    for n in range(workers):
        shares.append(count // (workers - n))
        count -= shares[-1]
    return shares


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The heavy tests first, spread over the xdist workers (each group of tests in order)."""
    groups: dict[str, list[pytest.Item]] = {}
    light = []
    for item in items:
        key = _heavy_key(item)
        if key is None:
            light.append(item)
        else:
            groups.setdefault(key, []).append(item)
    heavy = sorted(groups, key=lambda key: -HEAVY[key])
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    shares = _shares(len(items), workers)
    starts: list[list[pytest.Item]] = [[] for _ in shares]
    loads = [0.0] * len(shares)
    for key in heavy:  # longest first, each to the least loaded start
        n = min(range(len(shares)), key=lambda n: (loads[n], n))
        starts[n].extend(groups[key])
        loads[n] += HEAVY[key]
    ordered = []
    for start, share in zip(starts, shares, strict=True):
        fill = max(share - len(start), 0)
        ordered += start + light[:fill]
        light = light[fill:]
    items[:] = ordered + light


@pytest.fixture(autouse=True, scope="session")
def _content_validated_once():
    """Every app start in this process shares one validated Content and one table of UI strings
    per unchanged content tree."""
    content_module.load_content = _cached_load_content
    i18n.load = _cached_load_strings
    yield
    content_module.load_content = _load_content
    i18n.load = _load_strings


@pytest.fixture(autouse=True)
def _warm_report_workers(request, monkeypatch):
    """Charts and Excel files from one warm worker process each (tests/fakes/warm_workers.py),
    not a new interpreter per chart or export; tests marked `real_workers` start the bot's own."""
    if request.node.get_closest_marker("real_workers") is None:
        monkeypatch.setattr(chart_worker, "_run_worker", warm_workers.run_chart_worker)
        monkeypatch.setattr(xlsx_worker, "XlsxProcess", warm_workers.WarmXlsxProcess)


@pytest.fixture
async def fake():
    """A started fake Telegram Bot API (tests/fakes/telegram_api.py); a test file may define its
    own `fake` (the Signal tests do)."""
    server = await FakeTelegram().start()
    yield server
    await server.stop()


@pytest.fixture
async def h(tmp_path):
    """A started harness on a fresh database."""
    harness = Harness(tmp_path / "bot.db")
    await harness.start()
    yield harness
    await harness.stop()
