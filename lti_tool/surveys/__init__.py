"""Needs mapping (behovskartläggning): self-assessment surveys against a framework, in rounds."""
