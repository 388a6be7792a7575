"""Settings of outbound requests and of the LRS's CORS: bad values name the variable."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings


def test_settings_lrs_cors_origins_refuses_a_url_with_a_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LTI_JOURNEYS_LRS_CORS_ORIGINS", "https://h5p.example.se/app")
    with pytest.raises(SettingsError, match=r"LTI_JOURNEYS_LRS_CORS_ORIGINS.*scheme://host"):
        load_settings(_env_file=None)


def test_settings_lrs_cors_origins_lists_each_origin() -> None:
    settings = load_settings(
        _env_file=None, lrs_cors_origins="https://a.example.se, http://localhost:8080"
    )
    assert settings.lrs_cors_origin_list == ("https://a.example.se", "http://localhost:8080")


def test_settings_outbound_allowed_networks_refuses_a_non_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LTI_JOURNEYS_OUTBOUND_ALLOWED_NETWORKS", "10.0.0.0/8, moodle.local")
    with pytest.raises(SettingsError, match=r"LTI_JOURNEYS_OUTBOUND_ALLOWED_NETWORKS.*CIDR"):
        load_settings(_env_file=None)


def test_settings_outbound_allows_no_private_network_by_default() -> None:
    assert load_settings(_env_file=None).outbound_allowed_networks == ""
