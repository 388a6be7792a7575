"""Pages for the organisation's administrators (launched with an administrator role)."""
