"""The console session: reads typed lines, lets one person play several identities."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.app import App
from bot.roles import Role
from bot.transports.console import ConsoleTransport
from storage.people import PeopleRepo

HELP = """Console commands:
  :as NAME-OR-ROLE   type as someone else: mentor, expert, staff or admin (ready-made people),
                     or any other name (a newcomer who has to onboard with an invite)
  :who               list the console identities
  :reload            reload content and UI strings (preview your edits)
  :wait SECONDS      wait for timed messages (check-ins, nudges) before reading on
  :quit              leave (the end of input works too)"""

DEMO_NAMES = {
    Role.MENTOR: "Demo Mentor",
    Role.EXPERT: "Demo Expert",
    Role.STAFF: "Demo Staff",
    Role.ADMIN: "Demo Admin",
}


class ConsoleSession:
    """A terminal chat with the bot as one or more console identities."""

    def __init__(self, app: App, transport: ConsoleTransport, *, language: str = "en") -> None:
        self.app = app
        self.transport = transport
        self.language = language
        self.who = "you"

    async def become(self, name: str) -> str:
        """Type as `name`; a role name gets a ready-made active person of that role."""
        name = name.strip().lower() or "you"
        people = self.app.db.repo(PeopleRepo)
        try:
            role = Role.parse(name)
        except ValueError:
            role = None
        if role is not None and role is not Role.GUEST:
            if await people.by_identity("console", name) is None:
                person = await people.create(
                    role=role,
                    cohort="demo",
                    language=self.language,
                    display_name=DEMO_NAMES[role],
                    status="active",
                )
                await people.update(
                    person.id,
                    consent_version=self.app.config.bot.consent_version,
                    consented_at=self.app.db.now_iso(),
                )
                await people.add_identity(person.id, "console", name, name)
        self.who = name
        return name

    async def who_lines(self) -> list[str]:
        """One line per console identity known to the database."""
        rows = await self.app.db.fetchall(
            "SELECT i.external_id, p.display_name, p.role, p.status FROM identities i "
            "JOIN people p ON p.id = i.person_id WHERE i.transport = 'console' ORDER BY 1"
        )
        lines = [
            f"  {r['external_id']}: {r['display_name'] or '(no name yet)'}, {r['role']}, {r['status']}"
            + ("   <- you" if r["external_id"] == self.who else "")
            for r in rows
        ]
        if not any(r["external_id"] == self.who for r in rows):
            lines.append(f"  {self.who}: not onboarded yet   <- you")
        return lines

    async def run(self, stream: TextIO | None = None, out: TextIO | None = None) -> None:
        """Read lines until EOF or :quit."""
        stream = stream or sys.stdin
        out = out or sys.stdout
        while True:
            line = await asyncio.to_thread(stream.readline)
            if not line:
                return
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                if await self._meta(line, out) == "quit":
                    return
                continue
            await self.transport.type_line(self.who, line)

    async def _meta(self, line: str, out: TextIO) -> str | None:
        command, _, rest = line[1:].partition(" ")
        command = command.lower()
        if command in ("quit", "q", "exit"):
            return "quit"
        if command == "as":
            name = await self.become(rest)
            out.write(f"(now typing as {name})\n\n")
        elif command == "who":
            out.write("Console identities:\n" + "\n".join(await self.who_lines()) + "\n\n")
        elif command == "reload":
            from bot.content import ContentError

            try:
                self.app.reload_content()
                out.write("(content reloaded)\n\n")
            except ContentError as exc:
                out.write("Content has errors; keeping the previous version:\n")
                out.write("\n".join(exc.errors) + "\n\n")
        elif command == "wait":
            seconds = float(rest) if rest.strip().replace(".", "", 1).isdecimal() else 1.0
            await asyncio.sleep(min(seconds, 600))
        else:
            out.write(HELP + "\n\n")
        out.flush()
        return None
