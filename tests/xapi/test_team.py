"""``context.team``: the group of colleagues, its members under the organisation's privacy policy."""

from __future__ import annotations

from typing import Any

from xapi.statements import Person, PrivacyPolicy, Situation, StatementFactory, Team

BASE = "https://journeys.example.se"
CANVAS = "https://canvas.instructure.com"
TEAM = Team(
    home_page=BASE,
    name="groups/g-1",
    members=(
        Person(issuer=CANVAS, sub="u-1", name="Alva Lind", email="alva@x.se"),
        Person(issuer=CANVAS, sub="u-2", name="Bo Ek"),
    ),
    title="Lärgrupp Björken",
)


def _team(policy: PrivacyPolicy) -> dict[str, Any]:
    factory = StatementFactory(BASE)
    group = factory.activity("group", factory.activity_iri("groups", "g-1"), {"sv": "Björken"})
    statement = factory.build(
        person=TEAM.members[0],
        policy=policy,
        verb="joined",
        target=group,
        situation=Situation(team=TEAM),
    )
    team: dict[str, Any] = statement["context"]["team"]
    return team


def test_team_is_an_identified_group_listing_its_members_accounts() -> None:
    team = _team(PrivacyPolicy())
    assert team["objectType"] == "Group"
    assert team["account"] == {"homePage": BASE, "name": "groups/g-1"}
    assert [m["account"]["name"] for m in team["member"]] == ["u-1", "u-2"]
    assert "name" not in team  # names only where the organisation includes them


def test_team_members_are_pseudonymised_when_the_organisation_asks() -> None:
    team = _team(PrivacyPolicy(pseudonymise_key=b"org-1", include_identity=True))
    names = [m["account"]["name"] for m in team["member"]]
    assert "u-1" not in names and "u-2" not in names
    assert all(len(name) == 64 for name in names)  # HMAC-SHA256, as the actor's
    assert "name" not in team and all("name" not in m for m in team["member"])


def test_team_names_its_members_and_itself_when_identity_is_included() -> None:
    team = _team(PrivacyPolicy(include_identity=True))
    assert team["name"] == "Lärgrupp Björken"
    assert [m["name"] for m in team["member"]] == ["Alva Lind", "Bo Ek"]
