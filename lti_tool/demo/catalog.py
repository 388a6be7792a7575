"""The demo's organisations, school units, people and courses."""

from __future__ import annotations

from dataclasses import dataclass, field

from lti_tool.demo.names import STAFF_COUNT, staff_email, staff_name

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[str, ...]
    role_label: str
    # The units in whose courses the launch page offers this person (empty: every course).
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoCourse:
    key: str
    org_slug: str
    title: str
    label: str
    unit: str
    link_title: str
    custom: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name: str
    client_id: str
    deployment_id: str


ORGS = (
    DemoOrg(
        "demo-norrstad",
        "Norrstads kommun (demo)",
        "demo-norrstad-client",
        "demo-norrstad-deployment",
    ),
    DemoOrg(
        "demo-sodervik",
        "Söderviks skolor (demo)",
        "demo-sodervik-client",
        "demo-sodervik-deployment",
    ),
)

PEOPLE = (
    DemoPerson(
        "learner",
        "Alva Lind",
        "Alva",
        "Lind",
        "alva.lind@example.org",
        (LIS + "membership#Learner", LIS + "institution/person#Staff"),
        "learner",
    ),
    DemoPerson(
        "instructor",
        "Erik Berg",
        "Erik",
        "Berg",
        "erik.berg@example.org",
        (LIS + "membership#Instructor", LIS + "institution/person#Faculty"),
        "instructor",
    ),
    DemoPerson(
        "admin",
        "Sara Holm",
        "Sara",
        "Holm",
        "sara.holm@example.org",
        (
            LIS + "membership#Instructor",
            LIS + "institution/person#Administrator",
            LIS + "system/person#Administrator",
        ),
        "admin",
    ),
    # A principal: the course Administrator role makes them a leader of the course's unit.
    DemoPerson(
        "rektor",
        "Maria Sjöberg",
        "Maria",
        "Sjöberg",
        "maria.sjoberg@example.org",
        (LIS + "membership#Administrator", LIS + "institution/person#Staff"),
        "principal",
        ("Norrskolan", "Ekskolan"),
    ),
)

COURSES = (
    DemoCourse(
        "norrstad-digital",
        "demo-norrstad",
        "Digital kompetens för lärare",
        "DIGKOMP-25",
        "Norrskolan",
        "Läranderesa: digital kompetens",
        {"unit": "Norrskolan", "journey": "digital-kompetens"},
    ),
    DemoCourse(
        "norrstad-kollegialt",
        "demo-norrstad",
        "Kollegialt lärande i arbetslaget",
        "KOLL-25",
        "Björkskolan",
        "Läranderesa: kollegialt lärande",
        {"unit": "Björkskolan", "journey": "collegial-learning"},
    ),
    DemoCourse(
        "norrstad-formativ",
        "demo-norrstad",
        "Kollegialt lärande: formativ bedömning",
        "FORMATIV-26",
        "Björkskolan",
        "Läranderesa: formativ bedömning",
        {"unit": "Björkskolan", "journey": "formativ-bedomning"},
    ),
    DemoCourse(
        "sodervik-ledarskap",
        "demo-sodervik",
        "Ledarskap i klassrummet",
        "LED-25",
        "Ekskolan",
        "Läranderesa: ledarskap",
        {"unit": "Ekskolan"},
    ),
    DemoCourse(
        "sodervik-kollegialt",
        "demo-sodervik",
        "Kollegialt lärande på Ekskolan",
        "KOLL-EK",
        "Ekskolan",
        "Läranderesa: kollegialt lärande",
        {"unit": "Ekskolan", "journey": "collegial-learning"},
    ),
)


STAFF_PREFIX = "staff-"


def person(key: str) -> DemoPerson | None:
    """A launch-page person, or ``staff-<n>``: the seeded synthetic member of staff ``n``."""
    if key.startswith(STAFF_PREFIX):
        return staff_person(key.removeprefix(STAFF_PREFIX))
    return next((p for p in PEOPLE if p.key == key), None)


def staff_person(number_text: str) -> DemoPerson | None:
    """Staff member ``number_text`` (1…576, plain digits) as a learner, named as the seed names
    them, so the launch's ``sub`` (``demo-staff-<n>``) is that seeded person."""
    if not number_text.isascii() or not number_text.isdigit() or number_text.startswith("0"):
        return None
    number = int(number_text)
    if number > STAFF_COUNT:
        return None
    given, family = staff_name(number)
    return DemoPerson(
        STAFF_PREFIX + number_text,
        f"{given} {family}",
        given,
        family,
        staff_email(number),
        (LIS + "membership#Learner", LIS + "institution/person#Staff"),
        "learner",
    )


def course(key: str) -> DemoCourse | None:
    return next((c for c in COURSES if c.key == key), None)


def org(slug: str) -> DemoOrg:
    return next(o for o in ORGS if o.slug == slug)
