"""Private by default: loopback, login when RAG_UI_AUTH is set, no telemetry."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from index.pipeline import PipelineIndexer
from rag import Assistant, Settings
from rag.store.news_index import NewsIndex
from tests.ui.conftest import free_port
from ui.app import build_app, launch_options


def test_defaults_bind_loopback_without_login_and_cap_uploads() -> None:
    options = launch_options(Settings())
    assert options["server_name"] == "127.0.0.1"
    assert options["auth"] is None
    assert options["max_file_size"] == 20 * 2**20


def test_importing_the_app_turns_gradio_analytics_off() -> None:
    assert os.environ.get("GRADIO_ANALYTICS_ENABLED") == "False"


@pytest.fixture(scope="module")
def guarded_url(
    seeds_index: Path, tmp_path_factory: pytest.TempPathFactory, embedder
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("guarded") / "index"
    shutil.copytree(seeds_index, folder)
    settings = Settings(index_dir=folder, ui_auth="editor:s3cret:with-colon", ui_port=free_port())
    assistant = Assistant(NewsIndex.open(folder), settings, embedder)
    app = build_app(assistant, PipelineIndexer(folder, settings, embedder), settings)
    app.queue().launch(prevent_thread_lock=True, quiet=True, **launch_options(settings))
    yield f"http://127.0.0.1:{settings.ui_port}/"
    app.close()


def test_with_auth_set_only_a_logged_in_client_gets_answers(guarded_url: str) -> None:
    with pytest.raises(Exception, match="(?i)login|auth|401|403"):
        Client(guarded_url, verbose=False)
    client = Client(guarded_url, auth=("editor", "s3cret:with-colon"), verbose=False)
    answer = client.predict("When does the withdrawal end?", api_name="/ask")
    assert "September 11" in answer["text"]
