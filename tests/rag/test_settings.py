from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.settings import Settings, load_settings
from rag.time.dates import parse_as_of, to_iso_date


def test_environment_then_arguments_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RAG_CHUNK_TOKENS=150\nRAG_TOP_K=7\n", encoding="utf-8")
    monkeypatch.setenv("RAG_TOP_K", "3")
    settings = load_settings(env_file, index_dir=tmp_path / "ix")
    assert settings.chunk_tokens == 150  # from .env
    assert settings.top_k == 3  # the environment beats .env
    assert settings.index_dir == tmp_path / "ix"  # arguments beat both


def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "lots")
    with pytest.raises(ConfigError, match="RAG_CHUNK_TOKENS='lots'"):
        load_settings(None)
    with pytest.raises(ConfigError, match="chunk_overlap"):
        Settings().with_overrides(chunk_tokens=100, chunk_overlap=100)
    with pytest.raises(ConfigError, match="answer_precision='fp16'.*'int8' or 'float32'"):
        Settings().with_overrides(answer_precision="fp16")


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2018/06/07", "2018-06-07"),
        ("2022-06-10T14:03:00Z", "2022-06-10"),
        ("April 28, 2021", "2021-04-28"),
        ("28 April 2021", "2021-04-28"),
        ("", None),
        ("not a date", None),
        (None, None),
    ],
)
def test_dates_become_iso(raw: str | None, iso: str | None) -> None:
    assert to_iso_date(raw) == iso


def test_as_of_must_be_a_date() -> None:
    assert parse_as_of("2022-08-18").isoformat() == "2022-08-18"
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        parse_as_of("someday")
