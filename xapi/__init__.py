"""xAPI: statements, the recorder and outbox, and the embedded LRS. Never imports lti_tool."""
