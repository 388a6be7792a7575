"""Helpers shared by the admin commands: sessions, clear errors, input files and JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
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


def read_text_file(file: Path, max_bytes: int, too_large_hint: str = "") -> str:
    """The UTF-8 text of an input file, or a one-line error saying what is wrong with it."""
    if not file.is_file():
        raise click.ClickException(f"{file}: no such file.")
    if file.stat().st_size > max_bytes:
        raise click.ClickException(f"{file}: larger than 5 MB{too_large_hint}.")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file}: not UTF-8 text ({exc.reason}).") from None
