"""Tenancy: organisations (huvudmän), school units, people, course contexts and resource links."""
