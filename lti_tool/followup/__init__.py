"""Leader follow-up: goal measurement over survey rounds, participation, the unit and
organisation views, and their accessible charts."""
