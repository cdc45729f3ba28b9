"""The web console over real HTTP: sign-in links, sessions, CSRF, roles, and each page's work."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import signal
import socket
import sys
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.roles import Role
from storage.audit import AuditRepo
from storage.broadcasts import BroadcastsRepo
from storage.invites import InvitesRepo
from storage.people import PeopleRepo
from storage.progress import ProgressRepo
from storage.tickets import TicketsRepo
from storage.web import WebSessionsRepo
from storage.workshops import WorkshopsRepo
from tests.harness import Harness, make_config
from tests.webharness import WebHarness, csrf_of

PAGES = (
    "/",
    "/workshops",
    "/workshops/1",
    "/workshops/export.csv",
    "/feedback",
    "/people",
    "/people/1",
    "/invites",
    "/tickets",
    "/announcements",
    "/announcements/new",
    "/announcements/progress.json",
)
POSTS = (
    "/logout",
    "/people/1/role",
    "/people/1/role/confirm",
    "/people/1/status/confirm",
    "/invites",
    "/invites/1/revoke",
    "/announcements/preview",
    "/announcements/create",
    "/announcements/1/pause",
)


@pytest.fixture
async def w(tmp_path):
    """The bot with its console on a free local port."""
    harness = WebHarness(tmp_path / "bot.db")
    await harness.start()
    yield harness
    await harness.stop()


async def _workshop(h, mentor_id: int, held_on: date, community: str, **extra) -> int:
    form = {
        "held_on": held_on,
        "community": community,
        "participants": 10,
        "themes": ("s1",),
        "duration_min": 90,
        **extra,
    }
    return await h.app.db.repo(WorkshopsRepo).add(mentor_id, extra.pop("cohort", "2025-02"), form)


async def _page(client, url: str) -> tuple[int, str]:
    async with client.get(url) as response:
        return response.status, await response.text()


async def _post(client, url: str, data: dict) -> tuple[int, str]:
    async with client.post(url, data=data) as response:
        return response.status, await response.text()


# --- signing in ------------------------------------------------------------------------------------


async def test_nothing_is_reachable_without_a_session(w):
    await w.onboard(Role.ADMIN, "Ada")
    async with w.client() as client:
        for path in PAGES:
            status, text = await _page(client, w.base + path)
            assert status == 401, path
            assert "send /web to the bot" in text, path
            assert f'href="{path}"' in text, "a link from here carries the Strict cookie"
        for path in POSTS:
            status, _ = await _post(client, w.base + path, {"csrf": "x", "role": "admin"})
            assert status == 401, path
    assert (await w.person(await w.onboard(Role.MENTOR, "Mina"))).role is Role.MENTOR


async def test_a_link_signs_its_person_in_once_and_a_preview_does_not_use_it(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    url = await w.link(staff)
    sent = w.last(staff)
    assert "works once, for 10 minutes" in sent.text and sent.labels == ["Open the web console"]
    async with w.client() as preview:  # a messenger's link preview only reads the page
        assert (await _page(preview, url))[0] == 200
        assert (await _page(preview, url))[0] == 200
    async with w.client() as client:
        status, page = await _page(client, url)
        assert status == 200 and "Welcome, Sari" in page
        async with client.post(url, data={"csrf": csrf_of(page)}) as signed:
            assert signed.status == 200 and "Sari · Staff" in await signed.text()
            cookie = signed.history[0].headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
        status, again = await _post(client, url, {"csrf": csrf_of(page)})
        assert status == 410 and "already used" in again
    async with w.client() as other:
        status, text = await _page(other, url)
        assert status == 410 and "already used" in text
        assert (await _page(other, w.base + "/"))[0] == 401
    actions = [e["action"] for e in await w.app.db.repo(AuditRepo).entries(limit=10)]
    assert "web.link_created" in actions and "web.login" in actions


async def test_expired_unknown_and_replaced_links_are_refused(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    old = await w.link(staff)
    url = await w.link(staff)  # a new /web: the older unused link stops working
    async with w.client() as client:
        assert (await _page(client, old))[0] == 404
        w.clock.advance(timedelta(minutes=11))
        status, text = await _page(client, url)
        assert status == 410 and "has expired" in text
        status, text = await _page(client, w.base + "/login/not-a-real-token")
        assert status == 404 and "Send /web to the bot" in text


async def test_the_sign_in_form_needs_the_browser_that_opened_the_link(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    url = await w.link(staff)
    async with w.client() as opener:
        page = (await _page(opener, url))[1]
    async with w.client() as stranger:  # no cookie from opening the link: refused, link kept
        status, text = await _post(stranger, url, {"csrf": csrf_of(page)})
        assert status == 403 and "form was not sent" in text
    async with w.client() as client:
        await w.sign_in(staff, client)  # the link still works for its person


async def test_mentors_and_experts_get_no_link_and_no_console(w):
    mentor = await w.onboard(Role.MENTOR, "Mina")
    expert = await w.onboard(Role.EXPERT, "Eero")
    assert "not available for your role" in (await w.say("/web", mentor))[-1].text
    assert "not available for your role" in (await w.say("/web", expert))[-1].text
    staff = await w.onboard(Role.STAFF, "Sari")
    menu = await w.say("/menu", staff)
    assert "web:open" in menu[-1].choice_ids
    assert (await w.tap("web:open", staff))[-1].labels == ["Open the web console"]


async def test_without_web_in_the_config_there_is_no_web_command(tmp_path):
    h = Harness(tmp_path / "bot.db", make_config(tmp_path / "bot.db"))
    await h.start()
    try:
        staff = await h.onboard(Role.STAFF, "Sari")
        assert not [c for c in h.last(staff).choice_ids if c.startswith("web:")]
        reply = (await h.say("/web", staff))[-1]
        assert not [c for c in reply.out.all_choices() if c.url]
    finally:
        await h.stop()


# --- sessions ---------------------------------------------------------------------------------------


async def test_sign_out_and_expiry_end_the_session(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    async with w.client() as client:
        await w.sign_in(staff, client)
        status, page = await _page(client, w.base + "/")
        assert status == 200
        async with client.post(w.base + "/logout", data={"csrf": csrf_of(page)}) as out:
            assert out.status == 200 and "You are signed out" in await out.text()
        assert (await _page(client, w.base + "/"))[0] == 401
        await w.sign_in(staff, client)
        w.clock.advance(timedelta(hours=12, minutes=1))
        assert (await _page(client, w.base + "/"))[0] == 401


async def test_deactivation_and_losing_the_role_end_sessions_and_every_request_checks_the_role(w):
    admin = await w.onboard(Role.ADMIN, "Ada")
    staff = await w.onboard(Role.STAFF, "Sari")
    sari = await w.person(staff)
    async with w.client() as client:
        await w.sign_in(staff, client)
        await w.say(f"/deactivate {sari.id}", admin)  # in the chat, confirmed
        await w.tap(f"adm:a:st:{sari.id}:deactivated", admin)
        assert (await _page(client, w.base + "/"))[0] == 401
        await w.say(f"/reactivate {sari.id}", admin)
        await w.tap(f"adm:a:st:{sari.id}:active", admin)
        await w.sign_in(staff, client)
        await w.say(f"/role {sari.id} mentor", admin)
        await w.tap(f"adm:a:ok:{sari.id}:mentor", admin)
        assert (await _page(client, w.base + "/"))[0] == 401
        await w.say(f"/role {sari.id} staff", admin)
        await w.tap(f"adm:a:ok:{sari.id}:staff", admin)
        await w.sign_in(staff, client)
        # Changed behind the service's back (no event): the next request still sees it.
        await w.app.db.repo(PeopleRepo).update(sari.id, role=Role.EXPERT)
        status, text = await _page(client, w.base + "/")
        assert status == 403 and "for the project" in text and "Sign out" not in text
        await w.app.db.repo(PeopleRepo).update(sari.id, role=Role.STAFF)
        assert (await _page(client, w.base + "/"))[0] == 401, "the refused session was ended"
    ended = await w.app.db.repo(AuditRepo).entries("web.sessions_ended")
    assert [e["detail"]["why"] for e in ended] == ["role_changed", "deactivated"]


async def test_a_bad_csrf_token_changes_nothing(w):
    admin = await w.onboard(Role.ADMIN, "Ada")
    mentor = await w.onboard(Role.MENTOR, "Mina")
    mina = await w.person(mentor)
    async with w.client() as client:
        await w.sign_in(admin, client)
        url = f"{w.base}/people/{mina.id}/role/confirm"
        for token in ("", "forged", csrf_of((await _page(client, w.base + "/"))[1])[:-1] + "x"):
            status, text = await _post(client, url, {"csrf": token, "role": "admin"})
            assert status == 403 and "form has expired" in text
        status, _ = await _post(client, w.base + "/invites", {"role": "mentor", "uses": "1"})
        assert status == 403
    assert (await w.person(mentor)).role is Role.MENTOR
    assert await w.app.db.repo(InvitesRepo).find("x") is None


async def test_pages_carry_security_headers_and_https_makes_cookies_secure(tmp_path):
    h = WebHarness(tmp_path / "bot.db")
    h.config = make_config(
        tmp_path / "bot.db",
        f'web:\n  listen: "127.0.0.1:{h.port}"\n  public_url: "https://console.example.org"\n',
    )
    await h.start()
    try:
        staff = await h.onboard(Role.STAFF, "Sari")
        url = await h.link(staff)
        assert url.startswith("https://console.example.org/login/")
        local = url.replace("https://console.example.org", h.base)
        async with h.client() as client:
            async with client.get(local) as page:
                headers = page.headers
                csrf = csrf_of(await page.text())
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert headers["Referrer-Policy"] == "no-referrer"
            assert headers["Cache-Control"] == "no-store"
            login = headers["Set-Cookie"]
            assert login.startswith("mentorbot-login=") and "Secure" in login
            # The client keeps Secure cookies to https: this one is handed over as HTTPS would.
            sent = {"Cookie": login.split(";")[0]}
            async with client.post(
                local, data={"csrf": csrf}, headers=sent, allow_redirects=False
            ) as signed:
                assert signed.status == 303
                cookie = signed.headers.getall("Set-Cookie")
        session = next(c for c in cookie if c.startswith("__Host-mentorbot="))
        assert "Secure" in session and "HttpOnly" in session and "SameSite=Strict" in session
    finally:
        await h.stop()


# --- pages ------------------------------------------------------------------------------------------


async def test_overview_and_workshop_log_follow_the_filter_and_export_safely(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    mina = await w.person(await w.onboard(Role.MENTOR, "Mina"))
    await _workshop(w, mina.id, date(2026, 10, 3), "=HYPERLINK(evil)", participants=12)
    await _workshop(w, mina.id, date(2026, 11, 2), "Youth centre", participants=8)
    await _workshop(w, mina.id, date(2024, 1, 2), "Long ago", participants=5)
    async with w.client() as client:
        await w.sign_in(staff, client)
        status, page = await _page(client, w.base + "/")
        assert status == 200 and 'class="chart months wide"' in page
        assert re.search(r"<b>20</b><span>participants", page), "the last 12 months by default"
        status, page = await _page(client, w.base + "/?from=&to=")
        assert re.search(r"<b>25</b><span>participants", page)
        status, page = await _page(client, w.base + "/workshops?q=youth&from=&to=")
        assert "1 workshops" in page and "Youth centre" in page and "Long ago" not in page
        status, page = await _page(client, w.base + "/workshops?from=2030-01-01&to=2020-01-01")
        assert "were swapped" in page and "3 workshops" in page
        status, page = await _page(client, w.base + "/workshops?sort=participants&dir=asc&from=")
        assert page.index("Long ago") < page.index("Youth centre") < page.index("HYPERLINK")
        async with client.get(w.base + "/workshops/export.csv?from=2026-10-01&to=") as got:
            assert got.headers["Content-Disposition"].endswith(
                'workshops-2026-10-01-2026-11-02.csv"'
            )
            rows = list(csv.reader(io.StringIO((await got.read()).decode("utf-8-sig"))))
        assert [r[4] for r in rows[1:]] == ["Youth centre", "'=HYPERLINK(evil)"]
        assert {r[3] for r in rows[1:]} == {f"M{mina.id}"}, "mentors are pseudonyms"
        status, page = await _page(client, w.base + "/workshops/export.csv?q=nothing-like-this")
        assert "nothing to download" in page
    [entry] = await w.app.db.repo(AuditRepo).entries("export.workshops")
    assert entry["detail"] == {"rows": 2, "format": "csv", "via": "web"}


async def test_feedback_people_and_tickets_pages(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    mentor = await w.onboard(Role.MENTOR, "Mina")
    mina = await w.person(mentor)
    progress = w.app.db.repo(ProgressRepo)
    fid = await progress.give_feedback(mina.id, "s1", "2025-02", 5)
    await progress.add_feedback_comment(fid, "Very practical <b>examples</b>")
    await progress.complete(mina.id, "s1")
    await w.app.db.repo(TicketsRepo).open(mina.id, "s2", "How do I…", urgent=True)
    await w.say("/menu", mentor)  # noted as activity
    async with w.client() as client:
        await w.sign_in(staff, client)
        async with client.get(w.base + "/workshops/9999") as missing:
            assert missing.status == 404 and "There is nothing here" in await missing.text()
            assert "frame-ancestors" in missing.headers["Content-Security-Policy"]
        page = (await _page(client, w.base + "/feedback"))[1]
        assert "100 %" in page and "Very practical &lt;b&gt;examples&lt;/b&gt;" in page
        page = (await _page(client, w.base + "/people?role=mentor"))[1].split("<main>")[1]
        assert "Mina" in page and "Sari" not in page and "1/4 sections" in page
        assert "24.11.2026" in page, "last activity"
        page = (await _page(client, f"{w.base}/people/{mina.id}"))[1]
        assert "Only admins can change roles" in page and "change-role" not in page
        status, _ = await _post(
            client, f"{w.base}/people/{mina.id}/role/confirm", {"csrf": csrf_of(page)}
        )
        assert status == 403, "staff cannot change roles"
        page = (await _page(client, w.base + "/tickets"))[1]
        assert "Mina (cohort 2025-02)" in page and "urgent" in page and "0 h" in page


async def test_role_change_needs_a_confirmation_and_keeps_the_last_admin(w):
    admin = await w.onboard(Role.ADMIN, "Ada")
    mina = await w.person(await w.onboard(Role.MENTOR, "Mina"))
    ada = await w.person(admin)
    async with w.client() as client:
        await w.sign_in(admin, client)
        csrf = csrf_of((await _page(client, w.base + "/"))[1])
        status, page = await _post(
            client, f"{w.base}/people/{mina.id}/role", {"csrf": csrf, "role": "expert"}
        )
        assert status == 200 and "Change the role of Mina from Mentor to Expert?" in page
        assert (await w.app.db.repo(PeopleRepo).get(mina.id)).role is Role.MENTOR
        status, page = await _post(
            client, f"{w.base}/people/{mina.id}/role/confirm", {"csrf": csrf, "role": "expert"}
        )
        assert "Mina is now expert." in page
        assert (await w.app.db.repo(PeopleRepo).get(mina.id)).role is Role.EXPERT
        page = (await _page(client, f"{w.base}/people/{mina.id}"))[1]
        assert "Mina is now expert." not in page, "a notice is shown once"
        page = (
            await _post(
                client, f"{w.base}/people/{ada.id}/status", {"csrf": csrf, "status": "deactivated"}
            )
        )[1]
        assert "to yourself" in page and 'data-test="confirm"' not in page
        page = (
            await _post(
                client, f"{w.base}/people/{mina.id}/status", {"csrf": csrf, "status": "deactivated"}
            )
        )[1]
        assert "last active expert" in page
    [entry] = await w.app.db.repo(AuditRepo).entries("person.role_changed")
    assert entry["actor_id"] == ada.id and entry["detail"] == {"role": "expert", "via": "web"}


async def test_invites_are_created_with_a_qr_code_listed_and_revoked(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    async with w.client() as client:
        await w.sign_in(staff, client)
        csrf = csrf_of((await _page(client, w.base + "/invites"))[1])
        bad = {"csrf": csrf, "role": "staff", "cohort": "x" * 41, "uses": "0", "days": "many"}
        status, page = await _post(client, w.base + "/invites", bad)
        assert status == 400 and "choose a role you may invite" in page
        assert "at most 40 characters" in page and "from 1 to 500" in page
        assert 'value="xxxxxxxx' in page, "what was typed is kept"
        good = {"csrf": csrf, "role": "mentor", "cohort": "2025-09", "uses": "3", "days": "7"}
        status, page = await _post(client, w.base + "/invites", good)
        code = re.search(r'data-test="code">([A-Z0-9]+)<', page).group(1)
        assert status == 200 and "<svg" in page and f"/start {code}" in page
        invite, state = await w.app.db.repo(InvitesRepo).check(code)
        assert state == "ok" and invite.max_uses == 3 and invite.cohort == "2025-09"
        page = (await _page(client, w.base + "/invites"))[1]
        assert code not in page and "2025-09" in page and "Sari" in page
        await _post(client, f"{w.base}/invites/{invite.id}/revoke", {"csrf": csrf})
        assert (await w.app.db.repo(InvitesRepo).check(code))[1] == "revoked"
        newcomer = w.user("New")
        assert "no longer valid" in (await w.say(f"/start {code}", newcomer))[-1].text
    actions = [e["action"] for e in await w.app.db.repo(AuditRepo).entries(limit=20)]
    assert "invite.created" in actions and "invite.revoked" in actions


async def test_announcements_compose_preview_schedule_send_pause_and_resume(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    mentors = [await w.onboard(Role.MENTOR, f"M{i}", lang="fi" if i else "en") for i in range(3)]
    async with w.client() as client:
        await w.sign_in(staff, client)
        csrf = csrf_of((await _page(client, w.base + "/announcements/new"))[1])
        draft = {
            "csrf": csrf,
            "text_en": "",
            "text_fi": "Koulutus\r\nhuomenna",
            "kind": "training",
            "link_label": "Sign up",
            "link_url": "http://not-https.example",
            "audience": "role:mentor",
        }
        status, page = await _post(client, w.base + "/announcements/preview", draft)
        assert status == 400 and "write the English text" in page and "https://" in page
        assert "Koulutus\nhuomenna</textarea>" in page, "nothing typed is lost"
        draft.update(text_en="Training\ntomorrow", link_url="https://example.org/join")
        status, page = await _post(client, w.base + "/announcements/preview", draft)
        assert status == 200 and page.count('data-test="preview-version"') == 2
        assert "It goes to 3 people" in page and "https://example.org/join" in page
        when = {**draft, "action": "schedule", "when": "2020-01-01T09:00"}
        status, page = await _post(client, w.base + "/announcements/create", when)
        assert status == 400 and "in the future, within a year" in page
        when["when"] = "2026-11-25T09:00"
        page = (await _post(client, w.base + "/announcements/create", when))[1]
        assert "is scheduled for 25.11.2026 09:00" in page
        await _post(client, w.base + "/announcements/create", {**draft, "action": "now"})
        await w.app.services.broadcasts.fanout.idle()
        texts = [s.text for m in mentors for s in w.sent_to(m)]
        assert sum("Training\ntomorrow" in t for t in texts) == 1  # under the team's header
        assert sum("Koulutus\nhuomenna" in t for t in texts) == 2
        scheduled, sent = sorted(await w.app.db.repo(BroadcastsRepo).recent(), key=lambda b: b.id)
        assert scheduled.status == "scheduled" and sent.status == "done"
        page = (await _page(client, w.base + "/announcements"))[1]
        assert "3/3 delivered" in page and f"cancel-{scheduled.id}" in page
        async with client.get(w.base + "/announcements/progress.json") as got:
            progress = await got.json()
        assert progress[str(sent.id)] == {
            "percent": 100,
            "text": "3/3 delivered · 0 blocked · 0 failed · 0 held back",
            "status": "done",
            "running": False,
        }
        page = (await _post(client, f"{w.base}/announcements/{sent.id}/pause", {"csrf": csrf}))[1]
        assert "not being sent right now" in page
        page = (
            await _post(client, f"{w.base}/announcements/{scheduled.id}/cancel", {"csrf": csrf})
        )[1]
        assert f"Announcement #{scheduled.id} is cancelled" in page
    created = await w.app.db.repo(AuditRepo).entries("broadcast.created")
    assert [e["detail"]["via"] for e in created] == ["web", "web"]


async def test_the_console_speaks_the_persons_language(w):
    staff = await w.onboard(Role.STAFF, "Saara", lang="fi")
    async with w.client() as client:
        await w.sign_in(staff, client)
        page = (await _page(client, w.base + "/"))[1]
        assert '<html lang="fi">' in page and "Yleiskuva" in page and "Kirjaudu ulos" in page
    async with w.client() as client:
        async with client.get(w.base + "/", headers={"Accept-Language": "sv-FI,sv;q=0.9"}) as r:
            assert "Du är utloggad" in await r.text()


async def test_old_sessions_and_links_are_purged_when_someone_asks_for_a_link(w):
    staff = await w.onboard(Role.STAFF, "Sari")
    async with w.client() as client:
        await w.sign_in(staff, client)
    w.clock.advance(timedelta(days=2))
    await w.link(staff)
    assert await w.app.db.scalar("SELECT COUNT(*) FROM web_sessions") == 0
    assert await w.app.db.scalar("SELECT COUNT(*) FROM web_links") == 1
    assert await w.app.db.repo(WebSessionsRepo).end_for((await w.person(staff)).id) == 0


async def test_mentorbot_run_serves_the_console_and_stops_it(tmp_path):
    from tests.fakes.telegram_api import FakeTelegram
    from tests.webharness import free_port, web_yaml

    fake = await FakeTelegram().start()
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"telegram:\n  base_url: {fake.base_url}\n  poll_timeout: 1\n" + web_yaml(port),
        encoding="utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "run.db"),
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as client:
            for _ in range(300):  # the process starts (imports, migrations): at most 15 s
                try:
                    async with client.get(f"http://127.0.0.1:{port}/signed-out") as page:
                        assert page.status == 200 and "You are signed out" in await page.text()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the console did not start")
        process.send_signal(signal.SIGTERM)
        stderr = (await asyncio.wait_for(process.communicate(), 20))[1].decode()
        assert process.returncode == 0, stderr
        assert f"web console listening on 127.0.0.1:{port}" in stderr
        with socket.socket() as probe:  # the port is free again
            probe.bind(("127.0.0.1", port))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()


def test_every_web_string_the_code_uses_exists_in_every_language():
    from bot import i18n

    i18n.load()
    root = Path(__file__).resolve().parent.parent / "bot"
    used = set()
    for path in [
        *root.glob("web/**/*.py"),
        *root.glob("web/templates/*.html"),
        *root.glob("features/web/*.py"),
    ]:
        used |= set(
            re.findall(
                r"""["']((?:web|bc|admin|report|esc|learn)\.[a-z_]+)["']""", path.read_text()
            )
        )
    dynamic = {k for k in used if k.endswith("_")}  # e.g. "web.role_" ~ role: checked below
    missing = {k for k in used - dynamic if not all(i18n.has(lang, k) for lang in i18n.LANGUAGES)}
    assert not missing - {
        "web.link_created",
        "web.login",
        "web.logout",
        "web.refused",
        "web.sessions_ended",
    }, "audit actions aside, every key is a string"
    for prefix, values in {
        "web.role_": ("mentor", "expert", "staff", "admin"),
        "web.status_": ("active", "deactivated"),
        "web.invite_": ("active", "used_up", "expired", "revoked"),
        "web.ticket_": ("open", "claimed", "answered"),
        "web.confirm_": ("active", "deactivated"),
        "web.sort_": (
            "date",
            "community",
            "participants",
            "themes",
            "duration",
            "cohort",
            "mentor",
        ),
    }.items():
        for value in values:
            assert all(i18n.has(lang, prefix + value) for lang in i18n.LANGUAGES), prefix + value


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_every_page_renders_in_finnish_and_swedish_without_raw_keys(w, lang):
    admin = await w.onboard(Role.ADMIN, "Ada", lang=lang)
    mina = await w.person(await w.onboard(Role.MENTOR, "Mina"))
    await _workshop(w, mina.id, date(2026, 11, 2), "Nuorisotalo")
    await w.app.db.repo(TicketsRepo).open(mina.id, "s1", "?")
    async with w.client() as client:
        await w.sign_in(admin, client)
        csrf = csrf_of((await _page(client, w.base + "/"))[1])
        pages = [p for p in PAGES if not p.endswith((".csv", ".json"))] + [f"/people/{mina.id}"]
        for path in pages:
            status, text = await _page(client, w.base + path)
            assert status == 200, path
            assert f'<html lang="{lang}">' in text
            assert not re.search(r">[^<]*\b(web|bc|admin|report|esc)\.[a-z_]+", text), path
        for path, data in (
            (f"/people/{mina.id}/role", {"role": "expert"}),
            ("/invites", {"role": "mentor", "uses": "2", "days": "3"}),
            ("/announcements/preview", {"text_en": "Hi", "audience": "all", "kind": "news"}),
        ):
            status, text = await _post(client, w.base + path, {"csrf": csrf, **data})
            assert status == 200 and not re.search(r">[^<]*\bweb\.[a-z_]+", text), path
