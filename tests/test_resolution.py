"""The resolution rule, by example and against a plain second reading of it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from model import rule_state
from warlog.resolution import STATUSES, Claim, ClaimRef, state_on, steps

GOV, REB, SDF = "Syrian government", "opposition", "SDF"


def claims(*specs: tuple[str, str, str]) -> list[Claim]:
    return [Claim(ClaimRef("r", n), actor, status, date)
            for n, (actor, status, date) in enumerate(specs, start=1)]


def visible(day: str, *specs: tuple[str, str, str]) -> tuple[object, ...] | None:
    step = state_on(claims(*specs), day)
    return None if step is None else (*step.visible, step.since)


def test_no_claim_on_or_before_the_date_means_no_state() -> None:
    assert visible("2024-12-01", (GOV, "controlled", "2024-12-02")) is None


def test_one_controller() -> None:
    assert visible("2024-12-07", (GOV, "controlled", "2024-11-26")) == (
        "controlled", GOV, (), (), "2024-11-26")


def test_two_actors_claiming_control_on_one_day_is_a_dispute() -> None:
    assert visible("2024-12-07", (GOV, "controlled", "2024-12-07"),
                   (REB, "controlled", "2024-12-07")) == (
        "disputed", None, (), (GOV, REB), "2024-12-07")


def test_contest_keeps_the_controller_and_outranks_a_siege() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-01"),
                   (REB, "besieged", "2024-12-07"), (SDF, "contested", "2024-12-08")) == (
        "contested", GOV, (SDF, REB), (), "2024-12-08")


def test_siege_alone() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-01"),
                   (REB, "besieged", "2024-12-07")) == (
        "besieged", GOV, (REB,), (), "2024-12-07")


def test_the_controller_cannot_contest_its_own_place() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-01"),
                   (GOV, "contested", "2024-12-07")) == (
        "controlled", GOV, (), (), "2024-12-01")


def test_withdrawal_of_the_controller_leaves_no_controller() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-01"),
                   (GOV, "withdrawn", "2024-12-07")) == ("unknown", None, (), (), "2024-12-07")


def test_withdrawal_on_a_day_someone_claims_control_does_not_unseat() -> None:
    assert visible("2024-12-08", (GOV, "controlled", "2024-12-07"),
                   (GOV, "withdrawn", "2024-12-07")) == (
        "controlled", GOV, (), (), "2024-12-07")


def test_a_withdrawing_besieger_lifts_its_siege() -> None:
    assert visible("2024-12-09", (GOV, "controlled", "2024-12-01"),
                   (REB, "besieged", "2024-12-07"), (REB, "withdrawn", "2024-12-08")) == (
        "controlled", GOV, (), (), "2024-12-08")


def test_new_control_clears_the_pressure() -> None:
    assert visible("2024-12-09", (GOV, "controlled", "2024-12-01"),
                   (REB, "contested", "2024-12-07"), (REB, "controlled", "2024-12-08")) == (
        "controlled", REB, (), (), "2024-12-08")


def test_since_survives_reaffirmation() -> None:
    assert visible("2024-12-09", (GOV, "controlled", "2024-12-01"),
                   (GOV, "controlled", "2024-12-05")) == ("controlled", GOV, (), (), "2024-12-01")


def test_supporting_claims_are_those_behind_each_part_of_the_state() -> None:
    step = state_on(claims((GOV, "controlled", "2024-12-01"), (REB, "contested", "2024-12-07"),
                           (SDF, "withdrawn", "2024-12-07")), "2024-12-07")
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
