"""The resolution rule, by example and against a plain second reading of it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from model import rule_state
from warlog.dates import bounds
from warlog.resolution import (
    STATUSES,
    By,
    Claim,
    ClaimRef,
    Dates,
    Rule,
    Step,
    counted,
    state_on,
    steps,
)

GOV, REB, SDF = "Syrian government", "opposition", "SDF"


def claims(*specs: tuple[str, str, str]) -> list[Claim]:
    return [
        Claim(ClaimRef("r", n), actor, status, date) for n, (actor, status, date) in enumerate(specs, start=1)
    ]


def visible(day: str, *specs: tuple[str, str, str]) -> tuple[object, ...] | None:
    step = state_on(claims(*specs), day)
    return None if step is None else (*step.visible, step.since)


def test_no_claim_on_or_before_the_date_means_no_state() -> None:
    assert visible("2024-12-01", (GOV, "controlled", "2024-12-02")) is None


def test_one_controller() -> None:
    assert visible("2024-12-07", (GOV, "controlled", "2024-11-26")) == (
        "controlled",
        GOV,
        (),
        (),
        "2024-11-26",
    )


def test_two_actors_claiming_control_on_one_day_is_a_dispute() -> None:
    assert visible("2024-12-07", (GOV, "controlled", "2024-12-07"), (REB, "controlled", "2024-12-07")) == (
        "disputed",
        None,
        (),
        (GOV, REB),
        "2024-12-07",
    )


def test_contest_keeps_the_controller_and_outranks_a_siege() -> None:
    assert visible(
        "2024-12-08",
        (GOV, "controlled", "2024-12-01"),
        (REB, "besieged", "2024-12-07"),
        (SDF, "contested", "2024-12-08"),
    ) == ("contested", GOV, (SDF, REB), (), "2024-12-08")


def test_siege_alone() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-01"), (REB, "besieged", "2024-12-07")) == (
        "besieged",
        GOV,
        (REB,),
        (),
        "2024-12-07",
    )


def test_the_controller_cannot_contest_its_own_place() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-01"), (GOV, "contested", "2024-12-07")) == (
        "controlled",
        GOV,
        (),
        (),
        "2024-12-01",
    )


def test_withdrawal_of_the_controller_leaves_no_controller() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-01"), (GOV, "withdrawn", "2024-12-07")) == (
        "unknown",
        None,
        (),
        (),
        "2024-12-07",
    )


def test_withdrawal_on_a_day_someone_claims_control_does_not_unseat() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-07"), (GOV, "withdrawn", "2024-12-07")) == (
        "controlled",
        GOV,
        (),
        (),
        "2024-12-07",
    )


def test_a_withdrawing_besieger_lifts_its_siege() -> None:
    assert visible(
        "2024-12-09",
        (GOV, "controlled", "2024-12-01"),
        (REB, "besieged", "2024-12-07"),
        (REB, "withdrawn", "2024-12-08"),
    ) == ("controlled", GOV, (), (), "2024-12-08")


def test_new_control_clears_the_pressure() -> None:
    assert visible(
        "2024-12-09",
        (GOV, "controlled", "2024-12-01"),
        (REB, "contested", "2024-12-07"),
        (REB, "controlled", "2024-12-08"),
    ) == ("controlled", REB, (), (), "2024-12-08")


def test_since_survives_reaffirmation() -> None:
    assert visible("2024-12-09", (GOV, "controlled", "2024-12-01"), (GOV, "controlled", "2024-12-05")) == (
        "controlled",
        GOV,
        (),
        (),
        "2024-12-01",
    )


def test_supporting_claims_are_those_behind_each_part_of_the_state() -> None:
    step = state_on(
        claims(
            (GOV, "controlled", "2024-12-01"),
            (REB, "contested", "2024-12-07"),
            (SDF, "withdrawn", "2024-12-07"),
        ),
        "2024-12-07",
    )
    assert step is not None
    assert step.claims == (ClaimRef("r", 1), ClaimRef("r", 2))


def test_steps_follow_the_dates() -> None:
    walk = list(steps(claims((REB, "contested", "2024-12-07"), (GOV, "controlled", "2024-12-01"))))
    assert [s.date for s in walk] == ["2024-12-01", "2024-12-07"]


ACTORS = st.sampled_from([GOV, REB, SDF])
DATES = st.sampled_from([f"2024-12-{d:02d}" for d in range(1, 9)])
CLAIM_DICTS = st.lists(
    st.fixed_dictionaries({"actor": ACTORS, "status": st.sampled_from(STATUSES), "date": DATES}),
    max_size=12,
)


@given(CLAIM_DICTS, DATES)
def test_rule_matches_its_plain_reading(specs: list[dict[str, str]], day: str) -> None:
    step = state_on(claims(*((c["actor"], c["status"], c["date"]) for c in specs)), day)
    expected = rule_state(specs, day)
    assert (None if step is None else (step.visible, step.since)) == expected


# Sides, pressure that lapses, vague dates, withdrawals from a dispute ------------------------

HTS, SAA = "Hayat Tahrir al-Sham", "Syrian Arab Army"
PARENTS = {HTS: REB, SAA: GOV, GOV: None, REB: None, SDF: None}


def walk(day: str, specs: list[tuple[str, str, str]], rule: Rule) -> Step | None:
    counted_claims = [
        counted(ClaimRef("r", n), actor, status, bounds(date), rule, PARENTS)
        for n, (actor, status, date) in enumerate(specs, start=1)
    ]
    return state_on(counted_claims, day, rule.pressure_days)


def test_an_allys_claim_reaffirms_control_by_its_side() -> None:
    step = walk(
        "2024-12-09",
        [(REB, "controlled", "2024-12-01"), (HTS, "controlled", "2024-12-05")],
        Rule("side", "latest", None),
    )
    assert step is not None
    assert (step.status, step.controller, step.since) == ("controlled", REB, "2024-12-01")
    assert step.claims == (ClaimRef("r", 1), ClaimRef("r", 2))  # named as the sources named them


def test_an_ally_is_never_pressure_and_never_a_rival() -> None:
    specs = [
        (GOV, "controlled", "2024-12-01"),
        (SAA, "contested", "2024-12-02"),
        (REB, "controlled", "2024-12-05"),
        (HTS, "controlled", "2024-12-05"),
    ]
    on_the_2nd = walk("2024-12-02", specs, Rule("side", "latest", None))
    on_the_5th = walk("2024-12-05", specs, Rule("side", "latest", None))
    assert on_the_2nd is not None and on_the_5th is not None
    assert on_the_2nd.visible == ("controlled", GOV, (), ())
    assert on_the_5th.visible == ("controlled", REB, (), ())
    by_actor = walk("2024-12-05", specs, Rule("actor", "latest", None))
    assert by_actor is not None and by_actor.visible == ("disputed", None, (), (HTS, REB))


def test_pressure_lapses_after_the_window_and_the_lapse_day_is_a_step() -> None:
    specs = [(GOV, "controlled", "2024-12-01"), (REB, "contested", "2024-12-03")]
    rule = Rule("side", "latest", 14)
    last_day_pressed = walk("2024-12-16", specs, rule)
    lapse_day = walk("2024-12-17", specs, rule)
    assert last_day_pressed is not None and lapse_day is not None
    assert last_day_pressed.visible == ("contested", GOV, (REB,), ())
    assert (lapse_day.visible, lapse_day.since) == (("controlled", GOV, (), ()), "2024-12-17")
    assert lapse_day.evidence_to == "2024-12-01"  # what the control rests on is that old
    unlimited = walk("2025-06-01", specs, Rule("side", "latest", None))
    assert unlimited is not None and unlimited.status == "contested"


def test_a_later_claim_by_the_same_side_renews_the_pressure_from_its_own_day() -> None:
    specs = [(REB, "besieged", "2024-12-01"), (HTS, "contested", "2024-12-10")]
    rule = Rule("side", "latest", 14)
    renewed = walk("2024-12-20", specs, rule)
    lapsed = walk("2024-12-24", specs, rule)
    assert renewed is not None and lapsed is not None
    assert (renewed.visible, renewed.since) == (("contested", None, (REB,), ()), "2024-12-10")
    assert (lapsed.status, lapsed.since, lapsed.claims) == (
        "unknown",
        "2024-12-24",
        (ClaimRef("r", 1), ClaimRef("r", 2)),
    )


def test_a_vague_date_counts_from_its_last_day_or_its_first() -> None:
    specs = [(GOV, "controlled", "2024-11-26"), (REB, "controlled", "2024-12-02/2024-12-06")]
    latest = walk("2024-12-04", specs, Rule("side", "latest", 14))
    earliest = walk("2024-12-04", specs, Rule("side", "earliest", 14))
    assert latest is not None and earliest is not None
    assert (latest.controller, latest.uncertain) == (GOV, False)
    assert (earliest.controller, earliest.since, earliest.uncertain) == (REB, "2024-12-02", True)
    month = walk("2024-12-31", [(REB, "controlled", "2024-12")], Rule("side", "latest", 14))
    assert month is not None and (month.since, month.evidence_to, month.uncertain) == (
        "2024-12-31",
        "2024-12-31",
        True,
    )


def test_a_withdrawal_from_a_dispute_leaves_the_other_in_control() -> None:
    specs = [
        (GOV, "controlled", "2024-12-01"),
        (REB, "controlled", "2024-12-01"),
        (GOV, "withdrawn", "2024-12-04"),
    ]
    step = walk("2024-12-05", specs, Rule("side", "latest", 14))
    assert step is not None
    assert (step.visible, step.since) == (("controlled", REB, (), ()), "2024-12-04")
    assert step.claims == (ClaimRef("r", 2), ClaimRef("r", 3))


def test_with_three_candidates_one_withdrawal_leaves_a_dispute() -> None:
    specs = [
        (GOV, "controlled", "2024-12-01"),
        (REB, "controlled", "2024-12-01"),
        (SDF, "controlled", "2024-12-01"),
        (SDF, "withdrawn", "2024-12-02"),
    ]
    step = walk("2024-12-05", specs, Rule("side", "latest", 14))
    assert step is not None and step.visible == ("disputed", None, (), (GOV, REB))


def test_a_resumed_walk_is_the_same_walk() -> None:
    specs = [
        (GOV, "controlled", "2024-12-01"),
        (REB, "contested", "2024-12-03"),
        (SDF, "besieged", "2024-12-09"),
        (REB, "controlled", "2024-12-30"),
    ]
    all_claims = [
        counted(ClaimRef("r", n), a, s, bounds(d), Rule(), PARENTS)
        for n, (a, s, d) in enumerate(specs, start=1)
    ]
    whole = list(steps(all_claims, 5, keep_walk=True))
    for cut in range(len(whole)):
        resumed = list(
            steps([c for c in all_claims if c.date > whole[cut].date], 5, whole[cut], keep_walk=True)
        )
        assert whole[cut + 1 :] == resumed


VAGUE_DATES = st.sampled_from(
    [f"2024-12-{d:02d}" for d in range(1, 9)] + ["2024-12", "2024-12-02/2024-12-05", "2024-11-30/2024-12-03"]
)
ANY_ACTOR = st.sampled_from([GOV, REB, SDF, HTS, SAA])
VAGUE_CLAIMS = st.lists(
    st.fixed_dictionaries({"actor": ANY_ACTOR, "status": st.sampled_from(STATUSES), "date": VAGUE_DATES}),
    max_size=12,
)


@given(
    VAGUE_CLAIMS,
    st.sampled_from([f"2024-12-{d:02d}" for d in range(1, 32)]),
    st.sampled_from(["side", "actor"]),
    st.sampled_from(["latest", "earliest"]),
    st.sampled_from([1, 2, 3, 7, None]),
)
def test_the_full_rule_matches_its_day_by_day_reading(
    specs: list[dict[str, str]],
    day: str,
    by: By,
    dates: Dates,
    window: int | None,
) -> None:
    rule = Rule(by, dates, window)
    step = walk(day, [(c["actor"], c["status"], c["date"]) for c in specs], rule)
    expected = rule_state(specs, day, by=by, dates=dates, pressure_days=window, parents=PARENTS)
    assert (None if step is None else (step.visible, step.since)) == expected


@given(VAGUE_CLAIMS, st.sampled_from(["side", "actor"]), st.sampled_from([1, 3, None]))
def test_side_mode_never_has_a_side_press_or_dispute_itself(
    specs: list[dict[str, str]],
    by: By,
    window: int | None,
) -> None:
    for step in steps(
        [
            counted(
                ClaimRef("r", n),
                c["actor"],
                c["status"],
                bounds(c["date"]),
                Rule("side", "latest", window),
                PARENTS,
            )
            for n, c in enumerate(specs, start=1)
        ],
        window,
    ):
        named = {step.controller, *step.contested_by, *step.candidates} - {None}
        assert named <= {GOV, REB, SDF}
        assert step.controller not in step.contested_by
        assert not set(step.candidates) & set(step.contested_by)
