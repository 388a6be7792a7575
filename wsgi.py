"""WSGI entry point: ``gunicorn wsgi:app``."""

from lti_tool.app import create_app

app = create_app()
