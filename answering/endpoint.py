"""A quick look at the LLM endpoint before a flow calls it, so a stopped local server gives a message that
says what to do instead of the LLM tool's bare "Connection error"."""

from urllib.parse import urlparse

from core.errors import StudyflowError
from local_llm.server import is_ready

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_local(base_url: str | None) -> bool:
    return bool(base_url) and urlparse(base_url).hostname in LOOPBACK


def check_local_endpoint(base_url: str | None, timeout: float = 5.0) -> None:
    """Raise a one-line error if a loopback endpoint is down; remote endpoints are left to the client."""
    if is_local(base_url) and not is_ready(base_url, timeout=timeout):
        raise StudyflowError(f"the local model server at {base_url} is not running; start it with `make model`")
