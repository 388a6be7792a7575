"""``lti-journeys frameworks``: import, list, show and export competency frameworks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup

from lti_tool.cli.common import (
    admin_session,
    clear_errors,
    echo_json,
    json_option,
    read_text_file,
)
from lti_tool.frameworks import services as frameworks
from lti_tool.frameworks.case import dump_case, load_case
from lti_tool.frameworks.document import MAX_FILE_BYTES, FrameworkDocument, count
from lti_tool.frameworks.interchange import (
    BUILTINS,
    builtin_text,
    detect_format,
    dump_yaml,
    load_yaml,
)
from lti_tool.frameworks.services import ImportReport, Progress
from lti_tool.tenancy import services

# Below this many competences an import is quick enough to need no progress bar.
PROGRESS_FROM = 200
SHOWN_CHANGES = 10


@click.group("frameworks", cls=AppGroup, help="Competency frameworks: import, list, show, export.")
def frameworks_group() -> None:
    pass


def _read(file: Path) -> str:
    return read_text_file(file, MAX_FILE_BYTES)


@contextmanager
def _progress(total: int) -> Iterator[Progress | None]:
    if total < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=total, label="Importing competences") as bar:
        done = 0

        def advance(now: int) -> None:
            nonlocal done
            bar.update(now - done)
            done = now

        yield advance


def _changes(label: str, iris: list[str]) -> None:
    if not iris:
        return
    click.echo(f"  {label} ({len(iris)}):")
    for iri in iris[:SHOWN_CHANGES]:
        click.echo(f"    {iri}")
    if len(iris) > SHOWN_CHANGES:
        click.echo(f"    … and {len(iris) - SHOWN_CHANGES} more")


def _report(report: ImportReport, org_slug: str, total: int) -> None:
    if report.created:
        click.echo(f"Imported framework {report.iri} into {org_slug}: {total} competences.")
        return
    if not report.changed:
        click.echo(
            f"Framework {report.iri} in {org_slug} is already up to date ({total} competences)."
        )
        return
    click.echo(
        f"Updated framework {report.iri} in {org_slug}: {len(report.added)} added, "
        f"{len(report.updated)} changed, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged."
    )
    if report.details_changed:
        click.echo("  The framework's title, version, source, licence or levels changed.")
    _changes("added", report.added)
    _changes("changed", report.updated)
    _changes("removed", report.removed)


def _import(document: FrameworkDocument, org_slug: str) -> None:
    total = count(document)
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        with _progress(total) as progress:
            report = frameworks.import_document(session, org.id, document, progress)
    _report(report, org_slug, total)


@frameworks_group.command(
    "import", help="Import a framework from a CASE 1.0 package (JSON) or our YAML format."
)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation that holds the framework.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["case", "yaml"]),
    help="The file's format (default: told from the content).",
)
@click.option(
    "--builtin",
    type=click.Choice(sorted(BUILTINS)),
    help="Import a framework shipped with the tool instead of a file.",
)
@clear_errors
def import_framework(
    file: Path | None, org_slug: str, fmt: str | None, builtin: str | None
) -> None:
    if (file is None) == (builtin is None):
        raise click.UsageError("Give either a FILE or --builtin NAME.")
    if builtin is not None:
        document = load_yaml(builtin_text(builtin), builtin)
    else:
        assert file is not None  # noqa: S101 - checked above
        text = _read(file)
        if (fmt or detect_format(text)) == "case":
            document = load_case(text, str(file))
        else:
            document = load_yaml(text, str(file))
    _import(document, org_slug)


@frameworks_group.command("import-digcompedu", help="Import DigCompEdu, shipped with the tool.")
@click.option("--org", "org_slug", required=True, help="The organisation that holds the framework.")
@clear_errors
def import_digcompedu(org_slug: str) -> None:
    _import(load_yaml(builtin_text("digcompedu"), "digcompedu"), org_slug)


@frameworks_group.command("list", help="List an organisation's frameworks.")
@click.option("--org", "org_slug", required=True)
@json_option
@clear_errors
def list_frameworks(org_slug: str, as_json: bool) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        rows = [
            {
                "id": framework.id,
                "iri": framework.iri,
                "title": {"sv": framework.title_sv, "en": framework.title_en},
                "version": framework.version,
                "levels": [level["code"] for level in framework.levels],
                "competences": len(framework.competences),
            }
            for framework in frameworks.list_frameworks(session, org.id)
        ]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(
            f"No frameworks in {org_slug} yet "
            f"(lti-journeys frameworks import-digcompedu --org {org_slug})."
        )
    for row in rows:
        title = row["title"]["en"] or row["title"]["sv"]  # type: ignore[index]
        click.echo(f"{row['id']:>4}  {row['iri']}  {title}  ({row['competences']} competences)")


@frameworks_group.command("show", help="Show a framework's levels and tree of competences.")
@click.argument("ref", metavar="IRI_OR_ID")
@click.option("--org", "org_slug", required=True)
@click.option("--lang", type=click.Choice(["sv", "en"]), default="en", help="Language of titles.")
@clear_errors
def show_framework(ref: str, org_slug: str, lang: str) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        framework = frameworks.get_framework(session, org.id, ref)
        other = "sv" if lang == "en" else "en"

        def text(row: object, name: str) -> str:
            value: str = getattr(row, f"{name}_{lang}") or getattr(row, f"{name}_{other}")
            return value

        click.echo(f"{text(framework, 'title')}  [{framework.iri}]")
        if framework.version:
            click.echo(f"Version {framework.version}")
        if framework.levels:
            codes = ", ".join(level["code"] for level in framework.levels)
            click.echo(f"Levels: {codes}")
        rows = frameworks.competences_of(session, framework)
        depths = frameworks.depth_of(rows)
        for row in rows:
            indent = "  " * depths[row.id]
            code = f"{row.code} " if row.code else ""
            click.echo(f"{indent}{code}{text(row, 'title')}  <{row.iri}>")


@frameworks_group.command("export", help="Write a framework as CASE 1.0 JSON or our YAML.")
@click.argument("ref", metavar="IRI_OR_ID")
@click.option("--org", "org_slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["case", "yaml"]), default="yaml")
@click.option(
    "--lang",
    type=click.Choice(["sv", "en"]),
    default="en",
    help="CASE holds one language: the one to write (default en).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@clear_errors
def export_framework(ref: str, org_slug: str, fmt: str, lang: str, output: Path | None) -> None:
    with admin_session() as session:
        org = services.get_organization(session, org_slug)
        framework = frameworks.get_framework(session, org.id, ref)
        document = frameworks.document_of(session, framework)
    text = (
        dump_case(document, "sv" if lang == "sv" else "en")
        if fmt == "case"
        else dump_yaml(document)
    )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {document.iri} ({count(document)} competences) to {output}.")
