"""Settings: development defaults need nothing; production refuses unsafe values by name."""

from __future__ import annotations

import pytest

from config.settings import Settings, SettingsError, load_settings

GOOD_SECRET = "s" * 40


def _production(**values: str) -> Settings:
    base = {
        "env": "production",
        "secret_key": GOOD_SECRET,
        "database_url": "postgresql+psycopg://u@db/lti",
        "base_url": "https://tool.example.se",
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


def test_settings_development_defaults_need_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LTI_JOURNEYS_ENV", "LTI_JOURNEYS_DATABASE_URL", "LTI_JOURNEYS_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    settings.check_production()
    assert settings.env == "development"
    assert settings.effective_secret_key
    assert settings.demo_active


def test_settings_read_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LTI_JOURNEYS_BASE_URL", "https://lti.example.se/")
    monkeypatch.setenv("LTI_JOURNEYS_REDIS_URL", "redis://127.0.0.1:6379/2")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.base_url == "https://lti.example.se"
    assert settings.redis_url == "redis://127.0.0.1:6379/2"


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"secret_key": ""}, "LTI_JOURNEYS_SECRET_KEY"),
        ({"secret_key": "short"}, "LTI_JOURNEYS_SECRET_KEY"),
        ({"database_url": ""}, "LTI_JOURNEYS_DATABASE_URL"),
        ({"base_url": "http://tool.example.se"}, "LTI_JOURNEYS_BASE_URL"),
    ],
)
def test_settings_production_refuses_and_names_variable(
    values: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError, match=variable):
        _production(**values).check_production()


def test_settings_production_accepts_complete_configuration() -> None:
    settings = _production()
    settings.check_production()
    assert not settings.demo_active


def test_settings_invalid_value_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LTI_JOURNEYS_ENV", "staging")
    with pytest.raises(SettingsError, match="LTI_JOURNEYS_ENV"):
        load_settings(_env_file=None)


def test_create_app_refuses_production_without_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from lti_tool.app import create_app

    with pytest.raises(SettingsError, match="LTI_JOURNEYS_SECRET_KEY"):
        create_app(_production(secret_key=""))
