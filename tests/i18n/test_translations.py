"""Swedish and English: every interface string is translated and the compiled catalog is current."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lti_tool" / "translations"


def _catalogs() -> tuple[dict[str, str], dict[str, str], set[str]]:
    with (TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id}
    with (TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        mo = {m.id: m.string for m in read_mo(BytesIO(f.read())) if m.id}
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    return po, mo, template


def test_swedish_catalog_translates_every_string() -> None:
    po, _, template = _catalogs()
    assert template <= set(po), f"missing in sv: {sorted(template - set(po))}"
    assert [k for k, v in po.items() if not v] == []


def test_template_holds_every_string_of_the_code_and_pages() -> None:
    root = TRANSLATIONS.parents[1]
    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(root), method_map, options_map, keywords={**DEFAULT_KEYWORDS, "_l": None}
        )
    }
    _, _, template = _catalogs()
    assert extracted <= template, (
        f"run: make messages; missing: {sorted(extracted - template)[:10]}"
    )


def test_swedish_compiled_catalog_matches_source() -> None:
    po, mo, _ = _catalogs()
    assert mo == po, "run: make translations"


def test_pages_follow_accept_language(client: FlaskClient) -> None:
    swedish = client.get("/", headers={"Accept-Language": "sv-SE,sv;q=0.9"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert "Läranderesor för kompetensutveckling" in swedish
    assert '<html lang="sv">' in swedish
    assert "Learning journeys for competence development" in english


def test_lang_parameter_overrides_browser(client: FlaskClient) -> None:
    page = client.get("/?lang=en", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<html lang="en">' in page
