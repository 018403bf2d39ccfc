"""Session fixture `llm_server`: a running local LLM, shared across tests.

Enable it with `pytest_plugins = ["tests.llm_fixture"]` (root conftest.py or a
test module).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_llm import server


@pytest.fixture(scope="session")
def llm_server() -> Iterator[str]:
    """Base URL of the local LLM; started if needed, stopped only if started here."""
    url = server.base_url()
    was_ready = server.is_ready(url)
    pid_before = server.status().pid
    server.start()
    # A server that was already up, or still loading from another start(),
    # belongs to someone else and must outlive this session.
    started_here = not was_ready and server.status().pid != pid_before
    yield url
    if started_here:
        server.stop(quiet=True)
