"""`agent-console seed`: realistic synthetic complaints for load tests and benchmarks.

Messages are drawn from the bundled demo complaints (all four languages, every kind), under made-up
customers with names of the message's language; ages spread over four months, states, priorities and
assignees mixed as on a busy desk; some steps ticked and some notes written. The same `seed` always
gives the same desk.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from console.importing import complaint_from_record
from console.playbooks import Playbooks
from console.resources import data_dir
from console.store import Complaint, Note, Store, Tick
from console.store.layout import IMPORT_BATCH
from console.store.records import utc_now

NAMES = {
    "en": (("Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Noah", "Mia"),
           ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright")),
    "fi": (("Aino", "Eetu", "Helmi", "Juho", "Kerttu", "Mikko", "Sanna", "Väinö"),
           ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Hämäläinen", "Järvinen", "Lehtonen", "Heikkilä")),
    "et": (("Mari", "Jaan", "Liis", "Tõnu", "Kadri", "Priit", "Ülle", "Märt"),
           ("Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Õunapuu")),
    "hr": (("Ana", "Ivan", "Marija", "Luka", "Petra", "Josip", "Ivana", "Željko"),
           ("Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Knežević", "Vuković")),
}  # fmt: skip
AGENTS = ("mari", "tom", "ana", "juho", "liis", None, None, None)
NOTES = {
    "en": ("Called the customer, no answer; will try again tomorrow.", "Refund approved by the team lead."),
    "fi": ("Soitin asiakkaalle, ei vastannut. Yritän huomenna uudelleen.", "Hyvitys hyväksytty."),
    "et": ("Helistasin kliendile, ei vastanud. Proovin homme uuesti.", "Hüvitis kinnitatud."),
    "hr": ("Nazvao sam kupca, nije se javio. Pokušat ću sutra.", "Povrat novca odobren."),
}
BATCH = IMPORT_BATCH
"""Complaints per call to the store: one transaction each, so that other agents get the lock between them."""
NOTE_IDS = uuid.UUID("0c6f2f7e-2b1d-4f8e-9a53-3d1e6b7f9a20")


def _templates(playbooks: Playbooks) -> list[Complaint]:
    records: list[dict[str, Any]] = json.loads((data_dir() / "demo" / "complaints.json").read_text("utf-8"))
    return [complaint_from_record(record, playbooks.kinds()) for record in records]


def synthetic(count: int, seed: int, playbooks: Playbooks) -> Iterator[tuple[Complaint, list[Note]]]:
    """`count` complaints (ids S-000001…), each with its notes."""
    chance = random.Random(seed)
    templates = _templates(playbooks)
    now = utc_now()
    for number in range(1, count + 1):
        template = chance.choice(templates)
        first, last = NAMES[template.language]
        name = f"{chance.choice(first)} {chance.choice(last)}"
        received = now - timedelta(minutes=chance.randint(3, 120 * 24 * 60))
        playbook = playbooks.for_kind(template.kind)
        status = chance.choices(("open", "waiting", "resolved"), (5, 2, 3))[0]
        assignee = chance.choice(AGENTS)
        steps = playbook.step_ids()
        done = len(steps) if status == "resolved" else chance.randint(0, len(steps) - 1)
        by = assignee or "mari"
        ticks = {
            Complaint.tick_key(playbook.id, step): Tick(playbook.id, step, by, received + timedelta(minutes=5 * i))
            for i, step in enumerate(steps[:done], 1)
        }
        complaint = template._replace(
            id=f"S-{number:06d}",
            received=received,
            customer_name=name,
            customer_email=f"{name.split()[0].lower()}.{number}@example.com",
            priority=chance.choices(("low", "normal", "high", "urgent"), (2, 6, 2, 1))[0],
            status=status,
            assignee=assignee,
            playbook=playbook.id,
            ticks=MappingProxyType(ticks),
        )
        notes = [
            Note(
                complaint.id,
                by,
                received + timedelta(hours=i + 1),
                chance.choice(NOTES[template.language]),
                uuid.uuid5(NOTE_IDS, f"{seed}:{complaint.id}:{i}").hex,  # the same seed, the same ids
            )
            for i in range(chance.choices((0, 1, 2), (6, 3, 1))[0])
        ]
        yield complaint, notes


def seed_store(
    store: Store, count: int, seed: int, playbooks: Playbooks, progress: Callable[[int], None] = lambda _n: None
) -> int:
    """Add `count` synthetic complaints in batches, calling `progress` with how many are done. Returns how
    many were new."""
    added = 0
    batch: list[tuple[Complaint, list[Note]]] = []

    def store_batch() -> None:
        nonlocal added
        result = store.add_complaints([c for c, _ in batch], [note for _, notes in batch for note in notes])
        added += result.added
        progress(len(batch))
        batch.clear()

    for item in synthetic(count, seed, playbooks):
        batch.append(item)
        if len(batch) == BATCH:
            store_batch()
    if batch:
        store_batch()
    return added
