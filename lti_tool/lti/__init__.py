"""LTI 1.3: registrations, deployments, tool keys, OIDC login, launch and session tokens."""
