"""Shared fixtures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot import content as content_module
from bot import i18n
from bot.features.reports import chart_worker, xlsx_worker
from tests.fakes import warm_workers
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import Harness

# The longest files first (measured: subprocesses, fault proxies, the browser, hypothesis), so
# that with pytest-xdist no worker is left alone with one of them at the end.
SLOW_FIRST = (
    "test_faults.py",
    "test_random_updates.py",
    "test_web_browser.py",
    "test_console.py",
    "test_ops.py",
    "test_hardening.py",
    "test_outbox.py",
    "test_reports.py",
    "test_odd_input.py",
)

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest files first (each file's tests stay together and in order)."""
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))


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
