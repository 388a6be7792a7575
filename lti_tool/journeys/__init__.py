"""Competence-development journeys: content, enrollments, player, authoring."""
