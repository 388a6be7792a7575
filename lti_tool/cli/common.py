"""Helpers shared by the admin commands: sessions, clear errors and JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click
from sqlalchemy.orm import Session

from lti_tool.crypto import DecryptionError
from lti_tool.db import get_database
from lti_tool.journeys.errors import JourneyError
from lti_tool.validation import InvalidInputError, NotFoundError

P = ParamSpec("P")
R = TypeVar("R")

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@contextmanager
def admin_session() -> Iterator[Session]:
    with get_database().session() as session:
        yield session


def clear_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into one-line messages and a non-zero exit, never a traceback."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (InvalidInputError, NotFoundError, DecryptionError) as exc:
            raise click.ClickException(str(exc)) from None
        except JourneyError as exc:
            raise click.ClickException(str(exc.detail)) from None

    return wrapper


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
