"""Statements as profile 1.0.0 stored them, with its IRIs under an installation's base URL."""

from __future__ import annotations

from typing import Any

OLD_ID = "6F1C6F3E-2B0A-4C64-9F07-3C1A4B2E9D11"


def old_statement(base: str, statement_id: str = OLD_ID) -> dict[str, Any]:
    """A rating as profile 1.0.0 stored it at ``base``, with every kind of its own IRIs."""
    p = base + "/xapi/profile"
    journey = base + "/xapi/activities/journeys/j-1"
    return {
        "id": statement_id,
        "timestamp": "2026-11-30T10:15:00.000Z",
        "stored": "2026-11-30T10:15:00.120Z",
        "version": "1.0.0",
        "authority": {"objectType": "Agent", "account": {"homePage": base, "name": "lti-journeys"}},
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms", "name": "u-1"}},
        "verb": {"id": p + "/verbs/rated", "display": {"en-US": "rated", "sv-SE": "skattade"}},
        "object": {
            "objectType": "Activity",
            "id": journey + "/steps/s-1",
            "definition": {"type": p + "/activity-types/step", "name": {"sv-SE": "Läs"}},
        },
        "result": {
            "score": {"raw": 3, "min": 1, "max": 4},
            "extensions": {
                p + "/extensions/rating-scale": {"level": 3, "source": "self"},
                p + "/extensions/attempt": 2,
                p + "/extensions/text-length": 120,
            },
        },
        "context": {
            "registration": "0b2d6f0e-5a51-4bd4-8d53-1e2f3a4b5c6d",
            "contextActivities": {
                "category": [{"objectType": "Activity", "id": p}],
                "parent": [
                    {
                        "objectType": "Activity",
                        "id": journey,
                        "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
                    }
                ],
                "grouping": [
                    {
                        "objectType": "Activity",
                        "id": base + "/xapi/activities/lms-contexts/4",
                        "definition": {"type": p + "/activity-types/lms-context"},
                    },
                    {
                        "objectType": "Activity",
                        "id": base + "/xapi/activities/resource-links/9",
                        "definition": {"type": p + "/activity-types/tool"},
                    },
                ],
            },
            "extensions": {
                p + "/extensions/organization": {"id": 1, "slug": "norrstad", "name": "N"},
                p + "/extensions/unit": {"id": 5, "name": "Norrskolan"},
                p + "/extensions/platform": {"issuer": "https://lms", "client_id": "c"},
                p + "/extensions/journey-version": 2,
            },
        },
    }
