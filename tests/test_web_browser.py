"""The web console in a real browser: Debian's chromium, driven by Playwright for Python.

A staff member or admin sends /web to the bot (through the harness) and opens the link in the
browser. Every page is photographed at a phone's and a desktop's width into docs/screenshots/.

Locally the tests skip, with the reason, when chromium or Playwright is missing; in CI (CI=true)
that is a failure instead: `.ci/run` installs both. Playwright never downloads a browser here:
it starts /usr/bin/chromium (or $CHROMIUM).
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import os
import random
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.features.reports.figures import month_start
from bot.roles import Role
from storage import invites
from storage.audit import AuditRepo
from storage.broadcasts import BroadcastsRepo
from storage.invites import InvitesRepo
from storage.progress import ProgressRepo
from storage.tickets import TicketsRepo
from storage.workshops import WorkshopsRepo
from tests.webharness import WebHarness

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
COMMUNITIES = (
    "Somali youth association",
    "Arabic-speaking mothers' group",
    "Kurdish cultural centre",
    "Student union international club",
    "Neighbourhood library",
    "Mosque youth evening",
)


def _missing() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)"
    return None


# One browser for the module's tests (its start is about 1.3 s of CPU), each test in contexts of
# its own: the tests, their fixtures and the browser share the module's event loop.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chromium():
    """Headless chromium from the system; never a downloaded one."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def browser(chromium):
    """The shared browser; the contexts (cookies, pages) a test opened are closed after it."""
    before = set(chromium.contexts)
    yield chromium
    for context in chromium.contexts:
        if context not in before:
            await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def w(tmp_path, monkeypatch):
    """The bot and its console; the Telegram link of invites needs the bot's username.

    Invite codes are numbered instead of random, so the screenshots are the same on every run.
    """
    numbers = itertools.count(1)
    monkeypatch.setattr(invites, "new_code", lambda length=10: f"KUTSU{next(numbers):05d}")
    harness = WebHarness(tmp_path / "bot.db", "telegram:\n  bot_username: remap_mentor_bot\n")
    await harness.start()
    yield harness
    await harness.stop()


async def _page(browser):
    context = await browser.new_context(
        viewport=SIZES["desktop"], accept_downloads=True, locale="en-GB"
    )
    page = await context.new_page()
    page.set_default_timeout(15_000)
    return page


async def shoot(page, name: str) -> None:
    """The page as it is now, at a desktop's and a phone's width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label in ("phone", "desktop"):
        await page.set_viewport_size(SIZES[label])
        await page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)


async def seed(w: WebHarness) -> dict:
    """A small programme: mentors in two cohorts, a year of workshops, feedback and questions."""
    people = {
        "admin": await w.onboard(Role.ADMIN, "Ada Virtanen", cohort="staff"),
        "expert": await w.onboard(Role.EXPERT, "Eero Lehto", cohort="staff"),
        "mina": await w.onboard(Role.MENTOR, "Mina Hassan", cohort="2025-02"),
        "ali": await w.onboard(Role.MENTOR, "Ali Yusuf", cohort="2025-02"),
        "leila": await w.onboard(Role.MENTOR, "Leila Ahmadi", lang="fi", cohort="2025-09"),
        "jonas": await w.onboard(Role.MENTOR, "Jonas Berg", lang="sv", cohort="2025-09"),
    }
    ids = {k: (await w.person(u)).id for k, u in people.items()}
    rnd = random.Random(20)
    workshops = w.app.db.repo(WorkshopsRepo)
    today = w.clock.now().date()
    mentors = ("mina", "ali", "leila", "jonas")
    for back in range(12):
        first = month_start(today, back)
        for n in range(rnd.randint(1, 4)):
            who = mentors[rnd.randrange(4)]
            cohort = "2025-02" if who in ("mina", "ali") else "2025-09"
            held = min(first + timedelta(days=3 + 7 * n), today)
            themes = tuple(sorted(rnd.sample(["s1", "s2", "s3", "s4"], rnd.randint(1, 2))))
            await workshops.add(
                ids[who],
                cohort,
                {
                    "held_on": held,
                    "community": rnd.choice(COMMUNITIES),
                    "participants": rnd.randint(6, 28),
                    "themes": themes,
                    "duration_min": rnd.choice((60, 90, 120)),
                    "went_well": "People shared their own stories after the break.",
                    "needs_support": rnd.random() < 0.15,
                },
            )
    await workshops.add(
        ids["leila"],
        "2025-09",
        {
            "held_on": today - timedelta(days=2),
            "community": "=SUM(A1:A9)",  # a formula typed as a community name
            "participants": 9,
            "themes": ("s3",),
            "duration_min": 90,
        },
    )
    progress = w.app.db.repo(ProgressRepo)
    for who, scores in {
        "mina": (5, 4, 4),
        "ali": (3, 5),
        "leila": (4, 4, 2),
        "jonas": (5,),
    }.items():
        cohort = "2025-02" if who in ("mina", "ali") else "2025-09"
        for section, score in zip(("s1", "s2", "s3"), scores, strict=False):
            fid = await progress.give_feedback(ids[who], section, cohort, score)
            for bite in w.app.content.section(section).bites:
                await progress.mark_seen(ids[who], bite.id, section)
            await progress.complete(ids[who], section)
            if score >= 5:
                await progress.add_feedback_comment(fid, "The examples fit my community well.")
    tickets = w.app.db.repo(TicketsRepo)
    await tickets.open(ids["mina"], "s3", "A participant said something worrying.", urgent=True)
    claimed = await tickets.open(ids["ali"], "practical", "Where do I get the materials?")
    await tickets.claim(claimed.id, ids["expert"])
    await tickets.open(ids["jonas"], "wellbeing", "How do I rest after a hard workshop?")
    await w.invite(Role.MENTOR, "2025-09", uses=5)
    for who in ("mina", "leila", "jonas"):
        await w.say("/menu", people[who])  # last active today
    casts = w.app.db.repo(BroadcastsRepo)
    held = await casts.create(
        ids["admin"], "material", {"en": "New materials for section 3 are ready."}, {"type": "all"}
    )
    await casts.start(held.id, [ids[k] for k in mentors], [])
    await casts.pause(held.id)  # paused before anything went out
    return {"users": people, "ids": ids, "paused": held.id}


async def test_an_admin_works_through_every_page(browser, w):
    data = await seed(w)
    admin, ids = data["users"]["admin"], data["ids"]
    page = await _page(browser)
    link = await w.link(admin)  # the admin sent /web to the bot

    await page.goto(link)
    await shoot(page, "01-sign-in")
    await page.click("[data-test=sign-in]")
    await page.wait_for_selector("[data-test=chart-months] svg.chart rect.bar")
    assert await page.locator("[data-test=chart-themes] svg rect.bar").count() == 4
    assert await page.locator("[data-test=chart-feedback] svg rect.agree").count() == 3
    await shoot(page, "02-overview")

    # The workshop log: filter by cohort and community, sort, open one, download the selection.
    await page.click("nav >> text=Workshops")
    await page.select_option("select[name=cohort]", "2025-09")
    await page.fill("input[name=q]", "sum")
    await page.click("[data-test=apply]")
    assert (await page.inner_text("[data-test=count]")).startswith("1 workshops")
    await page.fill("input[name=q]", "")
    await page.click("[data-test=apply]")
    await page.click("[data-sort=participants]")  # sorted by participants, most first
    numbers = await page.locator("[data-test=workshop-table] tbody td.num:nth-child(3)").all()
    counts = [int(await n.inner_text()) for n in numbers]
    assert counts == sorted(counts, reverse=True) and len(counts) > 3
    await shoot(page, "03-workshops")
    async with page.expect_download() as download_info:
        await page.click("[data-test=csv]")
    download = await download_info.value
    text = await asyncio.to_thread(Path(await download.path()).read_text, "utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert {r[2] for r in rows[1:]} == {"2025-09"} and "'=SUM(A1:A9)" in [r[4] for r in rows]
    await page.click("[data-test=workshop-table] tbody tr:first-child a")
    await page.wait_for_selector("dl.facts")
    await shoot(page, "04-workshop")

    await page.click("nav >> text=Feedback")
    await page.wait_for_selector("[data-test=chart-feedback] svg")
    await shoot(page, "05-feedback")

    # People: change a role, with a confirmation first.
    await page.click("nav >> text=People")
    await page.wait_for_selector("[data-test=people-table]")
    await shoot(page, "06-people")
    await page.click("text=Mina Hassan")
    await page.select_option("[data-test=role-select]", "expert")
    await shoot(page, "07-person")
    await page.click("[data-test=change-role]")
    assert "from Mentor to Expert" in await page.inner_text("main")
    assert (await w.person(data["users"]["mina"])).role is Role.MENTOR, "not before confirming"
    await shoot(page, "08-confirm-role")
    await page.click("[data-test=confirm]")
    assert "Mina Hassan is now expert." in await page.inner_text(".notice")
    assert await page.inner_text("[data-test=role]") == "Expert"
    assert (await w.person(data["users"]["mina"])).role is Role.EXPERT

    # Invites: create one and see its QR code; then revoke it from the list.
    await page.click("nav >> text=Invites")
    await page.select_option("select[name=role]", "mentor")
    await page.fill("input[name=cohort]", "2026-01")
    await page.fill("input[name=uses]", "12")
    await page.click("[data-test=create-invite]")
    await page.wait_for_selector("[data-test=qr] svg path")
    code = await page.inner_text("[data-test=code]")
    assert (
        await page.inner_text("[data-test=link]") == f"https://t.me/remap_mentor_bot?start={code}"
    )
    await shoot(page, "09-invite-created")
    invite, state = await w.app.db.repo(InvitesRepo).check(code)
    assert state == "ok" and invite.max_uses == 12
    await page.click("nav >> text=Invites")
    await shoot(page, "10-invites")
    await page.click(f"[data-test=revoke-{invite.id}]")
    assert "is revoked" in await page.inner_text(".notice")
    assert (await w.app.db.repo(InvitesRepo).check(code))[1] == "revoked"

    await page.click("nav >> text=Tickets")
    assert "Mina Hassan (cohort 2025-02)" in await page.inner_text("[data-test=ticket-table]")
    await shoot(page, "11-tickets")

    # Announcements: compose, preview per language with the audience counted, send.
    await page.click("nav >> text=Announcements")
    await page.click("[data-test=new-announcement]")
    await page.fill("[data-test=text-en]", "Training day on 5 December in Helsinki.\nSee you!")
    await page.fill("[data-test=text-fi]", "Koulutuspäivä 5. joulukuuta Helsingissä.\nNähdään!")
    await page.select_option("[data-test=audience]", "role:mentor")
    await shoot(page, "12-compose")
    await page.click("[data-test=preview]")
    versions = page.locator("[data-test=preview-version] .bubble")
    assert await versions.count() == 2
    assert "Koulutuspäivä" in await versions.nth(1).inner_text()
    assert "It goes to 3 people" in await page.inner_text("[data-test=audience-count]")
    await shoot(page, "13-preview")
    await page.click("[data-test=send-now]")
    assert "is being sent" in await page.inner_text(".notice")
    await w.app.services.broadcasts.fanout.idle()
    await page.reload()
    table = await page.inner_text("[data-test=announcement-table]")
    assert "3/3 delivered" in table and "paused" in table
    await shoot(page, "14-announcements")
    leila = data["users"]["leila"]
    assert any("Koulutuspäivä" in s.text for s in w.sent_to(leila))  # under the team's header
    assert not any("New materials" in s.text for s in w.sent_to(leila))
    await page.click(f"[data-test=resume-{data['paused']}]")  # the paused one goes on
    assert "is being sent again" in await page.inner_text(".notice")
    await w.app.services.broadcasts.fanout.idle()
    assert sum("New materials" in s.text for s in w.sent_to(leila)) == 1

    await page.click("[data-test=sign-out]")
    assert "You are signed out" in await page.inner_text("h1")
    response = await page.goto(w.base + "/people")
    assert response.status == 401
    actions = {e["action"] for e in await w.app.db.repo(AuditRepo).entries(limit=100)}
    assert {"web.login", "person.role_changed", "invite.created", "invite.revoked"} <= actions
    assert {"export.workshops", "broadcast.created", "web.logout"} <= actions
    assert ids["admin"] in {e["actor_id"] for e in await w.app.db.repo(AuditRepo).entries()}


async def test_refused_in_the_browser_no_session_used_or_expired_link_bad_csrf(browser, w):
    staff = await w.onboard(Role.STAFF, "Sari Nieminen", lang="fi")
    mentor = await w.onboard(Role.MENTOR, "Mina Hassan")
    page = await _page(browser)

    response = await page.goto(w.base + "/")
    assert response.status == 401 and "/web" in await page.inner_text("main")
    await shoot(page, "15-signed-out")

    link = await w.link(staff)
    await page.goto(link)
    await page.click("[data-test=sign-in]")
    assert await page.inner_text("h1") == "Yleiskuva", "the console speaks Finnish to her"
    response = await page.goto(link)
    assert response.status == 410 and "jo käytetty" in await page.inner_text("main")

    # A staff member sees people but cannot change roles; a forged form is refused.
    mina = await w.person(mentor)
    await page.goto(f"{w.base}/people/{mina.id}")
    assert await page.locator("[data-test=change-role]").count() == 0
    await page.goto(w.base + "/invites")
    await page.evaluate(
        "document.querySelector('[data-test=invite-form] input[name=csrf]').value = 'forged'"
    )
    await page.click("[data-test=create-invite]")
    assert "Lomake on vanhentunut" in await page.inner_text("h1")
    assert await w.app.db.scalar("SELECT COUNT(*) FROM invites") == 2, "only the harness's two"

    late = await w.link(staff)
    w.clock.advance(timedelta(minutes=11))
    other = await _page(browser)
    response = await other.goto(late)
    assert response.status == 410 and "vanhentunut" in await other.inner_text("main")
    assert await w.app.db.repo(BroadcastsRepo).recent() == []
