"""Learning progress: bites seen, sections completed, check answers and section feedback."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True)
class FeedbackTotals:
    """Agreement with a section's feedback statement, as the programme reports it."""

    section_id: str
    answers: int
    agree: int  # 4 (mostly) or 5 (completely)
    mean: float

    @property
    def agree_share(self) -> float:
        """Share of answers that agreed completely or mostly (0..1)."""
        return self.agree / self.answers if self.answers else 0.0


class ProgressRepo:
    """Per-person, per-bite progress and per-section results."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def mark_seen(self, person_id: int, bite_id: str, section_id: str) -> None:
        """Record that a person has read a bite (first time counts)."""
        await self.db.execute(
            "INSERT OR IGNORE INTO bite_progress (person_id, bite_id, section_id, seen_at) "
            "VALUES (?, ?, ?, ?)",
            (person_id, bite_id, section_id, self.db.now_iso()),
        )

    async def mark_seen_many(self, rows: list[tuple[int, str, str]]) -> None:
        """`mark_seen` for several (person_id, bite_id, section_id) with one statement."""
        if not rows:
            return
        now = self.db.now_iso()
        marks = ", ".join("(?, ?, ?, ?)" for _ in rows)
        await self.db.execute(
            "INSERT OR IGNORE INTO bite_progress (person_id, bite_id, section_id, seen_at) "
            f"VALUES {marks}",
            [value for row in rows for value in (*row, now)],
        )

    async def seen(self, person_id: int) -> set[str]:
        """Ids of every bite the person has read."""
        rows = await self.db.fetchall(
            "SELECT bite_id FROM bite_progress WHERE person_id = ?", (person_id,)
        )
        return {r["bite_id"] for r in rows}

    async def complete(self, person_id: int, section_id: str) -> bool:
        """Mark a section completed; True the first time."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO section_completions (person_id, section_id, completed_at) "
            "VALUES (?, ?, ?)",
            (person_id, section_id, self.db.now_iso()),
        )
        return cursor.rowcount == 1

    async def completed(self, person_id: int) -> set[str]:
        """Ids of sections the person has completed."""
        rows = await self.db.fetchall(
            "SELECT section_id FROM section_completions WHERE person_id = ?", (person_id,)
        )
        return {r["section_id"] for r in rows}

    async def answer_check(
        self, person_id: int, section_id: str, option_id: str, correct: bool
    ) -> None:
        """Store (or replace) the person's answer to a section's check question."""
        await self.db.execute(
            "INSERT INTO quiz_answers (person_id, section_id, option_id, correct, answered_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(person_id, section_id) DO UPDATE SET "
            "option_id = excluded.option_id, correct = excluded.correct, "
            "answered_at = excluded.answered_at",
            (person_id, section_id, option_id, int(correct), self.db.now_iso()),
        )

    async def check_answer(self, person_id: int, section_id: str) -> str | None:
        """The option the person chose for a section's check, if any."""
        return await self.db.scalar(
            "SELECT option_id FROM quiz_answers WHERE person_id = ? AND section_id = ?",
            (person_id, section_id),
        )

    async def give_feedback(
        self, person_id: int, section_id: str, cohort: str | None, score: int
    ) -> int:
        """Store a 1-5 agreement score; one per person and section (a new one replaces it)."""
        async with self.db.transaction():
            await self.db.execute(
                "DELETE FROM section_feedback WHERE person_id = ? AND section_id = ?",
                (person_id, section_id),
            )
            return await self.db.insert(
                "INSERT INTO section_feedback (person_id, section_id, cohort, score, answered_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (person_id, section_id, cohort, score, self.db.now_iso()),
            )

    async def add_feedback_comment(self, feedback_id: int, comment: str) -> None:
        """Attach the optional free comment to a feedback answer."""
        await self.db.execute(
            "UPDATE section_feedback SET comment = ? WHERE id = ?", (comment, feedback_id)
        )

    async def feedback_given(self, person_id: int, section_id: str) -> bool:
        """True when the person has answered a section's feedback question."""
        found = await self.db.scalar(
            "SELECT 1 FROM section_feedback WHERE person_id = ? AND section_id = ?",
            (person_id, section_id),
        )
        return found is not None

    async def feedback_totals(
        self, cohort: str | None = None, since: str | None = None, until: str | None = None
    ) -> list[FeedbackTotals]:
        """Per section: answers, how many agreed completely or mostly, mean score."""
        where, params = ["1 = 1"], []
        if cohort:
            where.append("cohort = ?")
            params.append(cohort)
        if since:
            where.append("answered_at >= ?")
            params.append(since)
        if until:
            where.append("answered_at < ?")
            params.append(until)
        rows = await self.db.fetchall(
            "SELECT section_id, COUNT(*) AS n, SUM(score >= 4) AS agree, AVG(score) AS mean "
            f"FROM section_feedback WHERE {' AND '.join(where)} GROUP BY section_id "
            "ORDER BY section_id",
            params,
        )
        return [
            FeedbackTotals(r["section_id"], r["n"], r["agree"] or 0, float(r["mean"] or 0))
            for r in rows
        ]

    async def feedback_comments(
        self, section_id: str, cohort: str | None = None, limit: int = 3
    ) -> list[str]:
        """The newest free comments on a section (no names)."""
        extra, params = ("AND cohort = ?", [cohort]) if cohort else ("", [])
        rows = await self.db.fetchall(
            "SELECT comment FROM section_feedback WHERE section_id = ? AND comment IS NOT NULL "
            f"AND comment != '' {extra} ORDER BY answered_at DESC, id DESC LIMIT ?",
            [section_id, *params, limit],
        )
        return [r["comment"] for r in rows]
