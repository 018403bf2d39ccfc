"""Today's model-free checks on a bank's accepted generated questions: a question written before a check existed
that the check now turns away is retired (never deleted: its review history stays), and the hand-written questions
of its passage and kind, which it had replaced, come back (the seed fills in for what the checks took away).

The model checks are not run again (they cost minutes); a question that passed them keeps that verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from study import bank as bank_data
from study.bank import Bank, Item
from study.candidates import INCOMPLETE, incomplete
from study.source import passage
from study.verify import first_problem, passage_checks

TextOf = Callable[[Item], str | None]  # an item -> its passage's text today; None when it cannot be read


@dataclass(frozen=True)
class Turned:
    item: Item
    reason: str  # the first check it fails, as study.verify names it
    detail: str


def passage_text(item: Item) -> str | None:
    lines = passage(item)
    return None if lines.missing else lines.text


def item_problem(item: Item, text: str, known: frozenset[str]) -> tuple[str, str] | None:
    """(reason, detail) of the first check the item fails today, or None."""
    fields = item.to_dict()
    if problem := incomplete(fields):
        return INCOMPLETE, problem
    return first_problem(fields, passage_checks(text, known))


def recheck(bank: Bank, known: frozenset[str], text_of: TextOf = passage_text) -> tuple[Bank, list[Turned]]:
    """The bank with the accepted generated items today's checks turn away retired, the hand items of their passage
    and kind accepted again; and what was turned away. An item whose passage cannot be read is left as it is."""
    turned: list[Turned] = []
    for item in bank.items:
        if item.origin != "generated" or not item.accepted or (text := text_of(item)) is None:
            continue
        if found := item_problem(item, text, known):
            turned.append(Turned(item, *found))
    gone = {t.item.id for t in turned}
    items = [replace(i, status="retired") if i.id in gone else i for i in bank.items]
    thinned = {(t.item.passage_hash, t.item.kind) for t in turned}
    items = [
        replace(i, status="accepted") if i.origin == "hand" and (i.passage_hash, i.kind) in thinned else i
        for i in items
    ]
    return bank_data.Bank(items=items, meta=bank.meta), turned
