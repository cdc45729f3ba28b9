"""The workshop log: a sortable, filterable table, each workshop's details, CSV and Excel files."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.features.reports.exports import (
    CSV_MIME,
    XLSX_MIME,
    mentor_ref,
    workshops_csv,
    workshops_xlsx,
)
from bot.features.reports.render import export_name
from bot.web.filters import Period, period_text, read_period
from bot.web.server import page
from bot.web.view import View
from storage.people import PeopleRepo
from storage.workshops import Workshop, WorkshopsRepo

PAGE = 50
SEARCH_MAX = 100

# Column key -> how rows sort by it (the id keeps equal values in a stable order).
SORTS: dict[str, Callable[[Workshop], tuple]] = {
    "date": lambda w: (w.held_on, w.id),
    "community": lambda w: (w.community.casefold(), w.id),
    "participants": lambda w: (w.participants, w.id),
    "themes": lambda w: (w.themes, w.id),
    "duration": lambda w: (w.duration_min or 0, w.id),
    "cohort": lambda w: (w.cohort or "", w.id),
    "mentor": lambda w: (w.mentor_id or 0, w.id),
}


@dataclass(frozen=True)
class Search:
    """The log's own filters on top of the period: words, a theme, support asked."""

    words: str = ""
    theme: str = ""
    support: bool = False
    sort: str = "date"
    descending: bool = True

    def query(self) -> dict[str, str]:
        """As query parameters."""
        return {
            "q": self.words,
            "theme": self.theme,
            "support": "1" if self.support else "",
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
        }

    def keeps(self, workshop: Workshop) -> bool:
        """True when the workshop matches."""
        if self.theme and self.theme not in workshop.themes:
            return False
        if self.support and not workshop.needs_support:
            return False
        return not self.words or self.words.casefold() in workshop.community.casefold()


def read_search(view: View) -> Search:
    """The log's filters and sort order from the query string (unknown values: the defaults)."""
    query = view.request.query
    sections = {s.id for s in view.app.content.sections}
    theme = query.get("theme", "")
    sort = query.get("sort", "date")
    return Search(
        words=" ".join(query.get("q", "").split())[:SEARCH_MAX],
        theme=theme if theme in sections else "",
        support=query.get("support") == "1",
        sort=sort if sort in SORTS else "date",
        descending=query.get("dir", "desc") != "asc",
    )


async def matching(view: View, period: Period, search: Search) -> list[Workshop]:
    """The workshops of the period that match the search, in the chosen order."""
    found = await view.repo(WorkshopsRepo).matching(period.flt)
    kept = [w for w in found if search.keeps(w)]
    return sorted(kept, key=SORTS[search.sort], reverse=search.descending)


@page("GET", "/workshops")
async def workshop_log(view: View) -> web.StreamResponse:
    """The log: filters, the table (a page of it), links to the files of the same selection."""
    period, search = await read_period(view), read_search(view)
    rows = await matching(view, period, search)
    number = _page_number(view)
    shown = rows[number * PAGE : (number + 1) * PAGE]
    query = {**period.query(), **search.query()}
    return view.render(
        "workshops.html",
        period=period,
        search=search,
        words=period_text(view, period),
        count=len(rows),
        rows=shown,
        page=number,
        more=len(rows) > (number + 1) * PAGE,
        query=query,
        sorts=list(SORTS),
        themes=_theme_names(view),
        mentor_ref=mentor_ref,
    )


@page("GET", r"/workshops/{number:\d+}")
async def workshop_details(view: View) -> web.StreamResponse:
    """One workshop with everything the mentor wrote."""
    workshop = await view.repo(WorkshopsRepo).get(int(view.request.match_info["number"]))
    if workshop is None:
        raise web.HTTPNotFound()
    mentor = await view.repo(PeopleRepo).get(workshop.mentor_id) if workshop.mentor_id else None
    return view.render(
        "workshop.html",
        w=workshop,
        mentor=mentor,
        ref=mentor_ref(workshop.mentor_id),
        themes=_theme_names(view),
    )


@page("GET", "/workshops/export.csv")
async def export_csv(view: View) -> web.StreamResponse:
    """The selection as CSV (the same file and escaping as /export in the chat)."""
    return await _export(view, "csv")


@page("GET", "/workshops/export.xlsx")
async def export_xlsx(view: View) -> web.StreamResponse:
    """The selection as an Excel workbook."""
    return await _export(view, "xlsx")


async def _export(view: View, suffix: str) -> web.StreamResponse:
    period, search = await read_period(view), read_search(view)
    rows = await matching(view, period, search)
    if not rows:
        await view.flash(view.t("web.nothing_to_export"), "warn")
        raise view.redirect("/workshops", **period.query(), **search.query())
    content = view.app.content
    if suffix == "csv":
        body, mime = workshops_csv(rows, content), CSV_MIME
    else:
        body, mime = await asyncio.to_thread(workshops_xlsx, rows, content), XLSX_MIME
    await view.audit("export.workshops", rows=len(rows), format=suffix)
    name = export_name(rows, period.flt, suffix)
    return web.Response(
        body=body,
        content_type=mime,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _theme_names(view: View) -> dict[str, str]:
    """Section id -> "1. Title" in the person's language."""
    return {s.id: f"{s.order}. {s.title.get(view.lang)}" for s in view.app.content.sections}


def _page_number(view: View) -> int:
    text = view.request.query.get("page", "0")
    return min(int(text), 10_000) if text.isdecimal() else 0
