"""The demo's synthetic staff names: shared by the seed (staff.py) and the launch page (catalog.py)."""

from __future__ import annotations

import unicodedata

STAFF_COUNT = 576  # names are unique up to this many people (24 × 24)
GIVEN_NAMES = (
    "Anna", "Johan", "Maja", "Lars", "Ingrid", "Mikael", "Karin", "Per", "Elin", "Anders",
    "Sofia", "Henrik", "Emma", "Fredrik", "Linnea", "Magnus", "Hanna", "Jonas", "Ebba", "Oskar",
    "Klara", "Niklas", "Astrid", "Gustav",
)  # fmt: skip
FAMILY_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist",
    "Axelsson", "Bergström",
)  # fmt: skip


def staff_sub(number: int) -> str:
    return f"demo-staff-{number}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower()


def staff_name(number: int) -> tuple[str, str]:
    """Given and family name of staff member ``number`` (1-based), unique within 576 people."""
    k = number - 1
    size = len(GIVEN_NAMES)
    return GIVEN_NAMES[k % size], FAMILY_NAMES[(5 * k + k // size) % size]


def staff_email(number: int) -> str:
    given, family = staff_name(number)
    return f"{_ascii(given)}.{_ascii(family)}.{number}@example.org"
