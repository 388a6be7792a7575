"""Reminders in the tool and by e-mail: upcoming sessions, waiting phases, overdue steps."""
