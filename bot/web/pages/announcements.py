"""Announcements: the list with delivery progress; compose with a preview per language and the
audience counted, send now or schedule; pause, resume, cancel. The chat's Broadcasts service
does the work, so both places follow the same rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from bot.features.broadcasts.audience import IDLE_DAYS
from bot.features.broadcasts.draft import as_broadcast, describe_audience
from bot.features.broadcasts.history import status_of
from bot.features.broadcasts.ids import AUDIENCE_ROLES
from bot.features.broadcasts.routes import LABEL_MAX
from bot.features.broadcasts.service import TEXT_MAX
from bot.i18n import LANGUAGE_NAMES, LANGUAGES
from bot.web.server import page
from bot.web.view import View
from storage.broadcasts import KINDS, Broadcast, Counts
from storage.web import ConsoleRepo

LIST = 20
URL = re.compile(r"^https://\S+$")
URL_MAX = 1000


@dataclass
class Draft:
    """The compose form as typed (carried through the preview in hidden fields)."""

    texts: dict[str, str] = field(default_factory=dict)
    kind: str = "news"
    link_label: str = ""
    link_url: str = ""
    audience: str = "all"  # "all" or "<type>:<value>", e.g. "cohort:2025-02"
    when: str = ""  # a local date and time (datetime-local), for scheduling
    problems: list[str] = field(default_factory=list)

    def data(self) -> dict:
        """As the chat keeps a draft (what Broadcasts.publish takes)."""
        kind, _, value = self.audience.partition(":")
        data = {
            "texts": {k: v for k, v in self.texts.items() if v},
            "kind": self.kind,
            "audience": {"type": kind, "value": value} if value else {"type": kind},
        }
        if self.link_url:
            data["button"] = [self.link_label, self.link_url]
        return data


async def read_draft(view: View) -> Draft:
    """The posted form; line ends as typed (browsers send CRLF), spaces at the ends trimmed."""
    form = await view.request.post()

    def text(name: str) -> str:
        return str(form.get(name, "")).replace("\r\n", "\n").replace("\r", "\n").strip()

    return Draft(
        texts={lang: text(f"text_{lang}") for lang in LANGUAGES},
        kind=text("kind") or "news",
        link_label=" ".join(text("link_label").split()),
        link_url=text("link_url"),
        audience=text("audience") or "all",
        when=text("when"),
    )


async def audiences(view: View) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group label, [(value, label)]) for the audience list, as the chat offers them."""
    cohorts = await view.repo(ConsoleRepo).people_cohorts()
    sections = view.app.content.sections
    groups = {
        "role": [f"role:{r.label}" for r in AUDIENCE_ROLES],
        "cohort": [f"cohort:{c}" for c in cohorts],
        "lang": [f"lang:{code}" for code in LANGUAGES],
        "done": [f"done:{s.id}" for s in sections],
        "notdone": [f"notdone:{s.id}" for s in sections],
        "idle": [f"idle:{d}" for d in IDLE_DAYS],
    }
    found = [(view.t("bc.aud_all"), [("all", _label(view, "all"))])]
    for kind, values in groups.items():
        if values:
            found.append((view.t(f"bc.aud_{kind}"), [(v, _label(view, v)) for v in values]))
    return found


def _label(view: View, audience: str) -> str:
    kind, _, value = audience.partition(":")
    said = describe_audience(view, {"type": kind, "value": value})
    return said[:1].upper() + said[1:]


async def check(view: View, draft: Draft) -> None:
    """Problems with the draft, in words (added to draft.problems)."""
    if not draft.texts.get("en"):
        draft.problems.append(view.t("web.bc_need_english"))
    for lang, text in draft.texts.items():
        if len(text) > TEXT_MAX:
            draft.problems.append(
                view.t(
                    "web.bc_too_long", language=LANGUAGE_NAMES[lang], max=TEXT_MAX, length=len(text)
                )
            )
    if draft.kind not in KINDS:
        draft.problems.append(view.t("web.bc_bad_kind"))
        draft.kind = "news"
    if draft.link_label or draft.link_url:
        good_url = URL.match(draft.link_url) and len(draft.link_url) <= URL_MAX
        if not (good_url and 0 < len(draft.link_label) <= LABEL_MAX):
            draft.problems.append(view.t("web.bc_bad_link", max=LABEL_MAX))
    known = {value for _, values in await audiences(view) for value, _ in values}
    if draft.audience not in known:
        draft.problems.append(view.t("web.bc_bad_audience"))
        draft.audience = "all"


@page("GET", "/announcements")
async def announcements(view: View) -> web.StreamResponse:
    """The newest announcements with their delivery progress and what can be done with each."""
    service = view.app.services.broadcasts
    rows = []
    for broadcast in await service.repo.recent(LIST):
        counts = await service.deliveries.counts(broadcast.id)
        rows.append(_row(view, broadcast, counts))
    return view.render("announcements.html", rows=rows)


@page("GET", "/announcements/progress.json")
async def progress(view: View) -> web.StreamResponse:
    """The list's progress bars, for the page's script to refresh while something is sent."""
    service = view.app.services.broadcasts
    found = {}
    for broadcast in await service.repo.recent(LIST):
        row = _row(view, broadcast, await service.deliveries.counts(broadcast.id))
        found[str(broadcast.id)] = {
            "percent": row["percent"],
            "text": row["progress"],
            "status": row["status"],
            "running": broadcast.status == "sending" and broadcast.paused_at is None,
        }
    return web.json_response(found)


def _row(view: View, broadcast: Broadcast, counts: Counts) -> dict:
    status = status_of(broadcast)
    first = broadcast.texts.get(view.lang) or broadcast.texts.get("en") or ""
    return {
        "b": broadcast,
        "status": view.t(f"bc.status_{status}"),
        "state": status,
        "text": first.split("\n")[0][:80],
        "audience": describe_audience(view, broadcast.audience),
        "kind": view.t(f"bc.kind_{broadcast.kind}"),
        "when": view.moment(broadcast.due_at or broadcast.created_at),
        "percent": round(100 * counts.done / broadcast.total) if broadcast.total else 0,
        "progress": view.t(
            "web.bc_progress",
            sent=counts.sent,
            total=broadcast.total,
            blocked=counts.blocked,
            failed=counts.failed,
            held=broadcast.held_back,
        ),
    }


@page("GET", "/announcements/new")
async def compose(view: View) -> web.StreamResponse:
    """An empty compose form."""
    return await _form(view, Draft())


@page("POST", "/announcements/edit")
async def edit(view: View) -> web.StreamResponse:
    """Back from the preview to the form, with everything typed."""
    return await _form(view, await read_draft(view))


@page("POST", "/announcements/preview")
async def preview(view: View) -> web.StreamResponse:
    """Each language version as recipients will see it, and how many people get it."""
    draft = await read_draft(view)
    await check(view, draft)
    if draft.problems:
        return await _form(view, draft, status=400)
    return await _preview(view, draft)


@page("POST", "/announcements/create")
async def create(view: View) -> web.StreamResponse:
    """Send now, or schedule for the time given (within a year); the list shows its progress."""
    draft = await read_draft(view)
    await check(view, draft)
    if draft.problems:
        return await _form(view, draft, status=400)
    action = (await view.request.post()).get("action")
    due = None
    if action == "schedule":
        due = _due(view, draft)
        if due is None:
            return await _preview(view, draft, status=400)
    service = view.app.services.broadcasts
    broadcast = await service.publish(view.person, draft.data(), due, view.lang, "web")
    if due is None:
        await view.flash(view.t("web.bc_sending", number=broadcast.id))
    else:
        await view.flash(view.t("web.bc_scheduled", number=broadcast.id, when=view.moment(due)))
    raise view.redirect("/announcements")


def _due(view: View, draft: Draft) -> datetime | None:
    """The scheduled time from the form (the person's local time); None after a problem."""
    try:
        local = datetime.fromisoformat(draft.when)
    except ValueError:
        draft.problems.append(view.t("web.bc_bad_when"))
        return None
    due = local.replace(tzinfo=view.tz) if local.tzinfo is None else local
    if due <= view.now() or due > view.now() + timedelta(days=365):
        draft.problems.append(view.t("bc.when_range"))
        return None
    return due


@page("POST", r"/announcements/{number:\d+}/pause")
async def pause(view: View) -> web.StreamResponse:
    """Hold an announcement being sent."""
    return await _act(view, "pause", "web.bc_paused", "bc.not_pausable")


@page("POST", r"/announcements/{number:\d+}/resume")
async def resume(view: View) -> web.StreamResponse:
    """Go on sending a paused announcement."""
    return await _act(view, "resume", "web.bc_resumed", "bc.not_resumable")


@page("POST", r"/announcements/{number:\d+}/cancel")
async def cancel(view: View) -> web.StreamResponse:
    """Cancel a scheduled announcement, or what is still unsent of one being sent."""
    return await _act(view, "cancel", "web.bc_cancelled", "bc.not_cancellable")


async def _act(view: View, action: str, done_key: str, refused_key: str) -> web.StreamResponse:
    number = int(view.request.match_info["number"])
    service = view.app.services.broadcasts
    if await getattr(service, action)(view.person, number, "web"):
        await view.flash(view.t(done_key, number=number))
    else:
        await view.flash(view.t(refused_key, number=number), "warn")
    raise view.redirect("/announcements")


async def _form(view: View, draft: Draft, *, status: int = 200) -> web.StreamResponse:
    return view.render(
        "compose.html",
        status=status,
        draft=draft,
        kinds=KINDS,
        audiences=await audiences(view),
        languages=[(lang, LANGUAGE_NAMES[lang]) for lang in LANGUAGES],
        text_max=TEXT_MAX,
        label_max=LABEL_MAX,
    )


async def _preview(view: View, draft: Draft, *, status: int = 200) -> web.StreamResponse:
    service = view.app.services.broadcasts
    data = draft.data()
    send, held = await service.recipients(data["audience"], draft.kind)
    unsaved = as_broadcast(view, data)
    versions = [
        (LANGUAGE_NAMES[lang], service.fanout.message_for(unsaved, lang))
        for lang in LANGUAGES
        if lang in data["texts"]
    ]
    return view.render(
        "preview.html",
        status=status,
        draft=draft,
        versions=versions,
        ready=view.t(
            "bc.ready",
            audience=describe_audience(view, data["audience"]),
            count=len(send),
            held=len(held),
        ),
        count=len(send),
        default_when=(view.local_now() + timedelta(days=1)).strftime("%Y-%m-%dT09:00"),
    )
