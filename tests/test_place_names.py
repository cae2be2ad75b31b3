"""'NAME, PARENT' finds the same place whether the gazetteer or the read model answers.

The command line resolves a typed name from the read model (one indexed read,
no replay of the gazetteer); an import resolves it from the registry. Both
call `names.qualified`, each with its own data: on random gazetteers whose
names collide across countries and whose parents have aliases, every way of
writing a place with its parents must give the two the same answer.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import warlog
from locations import fresh
from test_properties import SETTINGS
from warlog.records import check

COUNTRIES = ("Egypt", "Syria")
NAMES = ("Al Arish", "Bir al-Abd", "North Sinai", "Tell Abyad", "Raqqa")
ALIASES = ("العريش", "Arish", "Bir el-Abd", "Shamal Sina", "Tal Abyad", "ar-Raqqah")


@st.composite
def gazetteers(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Places registered parents first, names drawn from a few so that they collide."""
    records: list[dict[str, Any]] = []
    ids: list[str] = []
    used: set[str] = set()
    for number in range(draw(st.integers(2, 9))):
        # Countries first, each named once; everything else lies under an earlier place.
        countries = [c for c in COUNTRIES[:2] if c not in ids]
        top = number == 0 or (countries and draw(st.booleans()))
        name = draw(st.sampled_from(countries)) if top else draw(st.sampled_from(NAMES))
        within = None if top else draw(st.sampled_from(ids))
        place = name if within is None else f"{name}, {within}"
        if place in ids:
            continue
        free = [a for a in ALIASES if a not in used]  # an alias names one place only
        aliases = draw(st.lists(st.sampled_from(free), max_size=2, unique=True)) if free else []
        used.update(aliases)
        record: dict[str, Any] = {"type": "place", "name": name, "aliases": aliases}
        if within is not None:
            record["within"] = within
        records.append(record)
        ids.append(place)
    return records


@SETTINGS
@given(places=gazetteers(), data=st.data())
def test_the_read_model_names_a_place_by_its_parents_as_the_gazetteer_does(
    db: str, places: list[dict[str, Any]], data: st.DataObject
) -> None:
    with fresh(db) as location:
        archive = warlog.open(location)
        try:
            archive.start("tester", bare=True)
            archive.import_records([r for rec in places for r in check(rec, "-")], "tester")
            archive.catch_up()
            registry = archive.places()
            words = [*COUNTRIES, *NAMES, *ALIASES, "Nowhere"]
            typed = [
                ", ".join(data.draw(st.lists(st.sampled_from(words), min_size=2, max_size=4)))
                for _ in range(12)
            ]
            typed += list(registry.entries)  # each place's own qualified name
            for name in typed:
                if archive.view.lookup_names("place", name):
                    continue  # a plain name or alias: both look it up by its key
                assert archive.view.qualified_place(name) == registry.matches(name), name
        finally:
            archive.close()
