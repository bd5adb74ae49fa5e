"""A draft policy set beside the version in force, clause by clause, in words a Head Teacher can check.

Clauses are paired by their wording rather than their number, so that a clause inserted near the top
does not make every later one look changed: identical wording first, then the closest wording
(difflib's ratio, at least MIN_LIKENESS), and what is left is added or removed. Within a changed
clause the words added and taken out are marked.
"""

import difflib
import re
from dataclasses import dataclass, field

from policies.models import Clause, PolicyVersion

MIN_LIKENESS = 0.5
_WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class Words:
    """A run of words: `op` is "same", "added" or "removed"."""

    op: str
    text: str


@dataclass
class ClauseChange:
    change: str  # "added", "removed", "changed" or "same"
    old: Clause | None
    new: Clause | None
    words: list[Words] = field(default_factory=list)

    @property
    def clause(self) -> Clause:
        clause = self.new or self.old
        assert clause is not None  # every change has one side or both
        return clause

    @property
    def renumbered(self) -> bool:
        return self.old is not None and self.new is not None and self.old.number != self.new.number

    @property
    def moved_part(self) -> bool:
        return self.old is not None and self.new is not None and self.old.kind != self.new.kind


@dataclass
class Comparison:
    old: PolicyVersion | None
    new: PolicyVersion
    changes: list[ClauseChange]

    def count(self, change: str) -> int:
        return sum(1 for item in self.changes if item.change == change)

    @property
    def summary(self) -> str:
        parts = [f"{self.count(kind)} {kind}" for kind in ("added", "changed", "removed") if self.count(kind)]
        return ", ".join(parts) if parts else "no change to the clauses"


def word_changes(old: str, new: str) -> list[Words]:
    """The words of `new` with those taken out of `old` and those put in marked, in reading order."""
    before, after = _WORDS.findall(old), _WORDS.findall(new)
    runs: list[Words] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(Words("same", "".join(after[j1:j2])))
            continue
        if op in ("delete", "replace"):
            runs.append(Words("removed", "".join(before[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(Words("added", "".join(after[j1:j2])))
    return runs


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower().split(), b.lower().split(), autojunk=False).ratio()


def compare_versions(*, old: PolicyVersion | None, new: PolicyVersion) -> Comparison:
    """Each clause of `new` against `old` (the version in force), then the clauses `old` had and
    `new` has not. With no `old`, every clause is added. No writes."""
    new_clauses = list(new.clauses.all())
    old_clauses = list(old.clauses.all()) if old is not None else []
    pairs: dict[int, Clause] = {}  # new clause pk → old clause
    unmatched_old = list(old_clauses)
    for clause in new_clauses:
        same = next((o for o in unmatched_old if o.text.strip() == clause.text.strip()), None)
        if same is not None:
            pairs[clause.pk] = same
            unmatched_old.remove(same)
    for clause in new_clauses:
        if clause.pk in pairs or not unmatched_old:
            continue
        best = max(unmatched_old, key=lambda o: (_likeness(o.text, clause.text), o.number == clause.number))
        if _likeness(best.text, clause.text) >= MIN_LIKENESS:
            pairs[clause.pk] = best
            unmatched_old.remove(best)
    changes: list[ClauseChange] = []
    for clause in new_clauses:
        before = pairs.get(clause.pk)
        if before is None:
            changes.append(ClauseChange("added", None, clause, [Words("added", clause.text)]))
        elif before.text.strip() == clause.text.strip():
            moved = before.number != clause.number or before.kind != clause.kind
            changes.append(ClauseChange("changed" if moved else "same", before, clause, [Words("same", clause.text)]))
        else:
            changes.append(ClauseChange("changed", before, clause, word_changes(before.text, clause.text)))
    changes += [ClauseChange("removed", clause, None, [Words("removed", clause.text)]) for clause in unmatched_old]
    return Comparison(old=old, new=new, changes=changes)
