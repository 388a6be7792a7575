"""A built-in demo LMS (development only) that launches the tool through the real OIDC flow."""
