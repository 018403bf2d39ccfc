"""A quick look at the LLM endpoint before a flow calls it, so a stopped local server gives a message that
says what to do instead of the LLM tool's bare "Connection error"."""

import socket
from urllib.parse import urlparse

from core.errors import StudyflowError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_local(base_url: str | None) -> bool:
    return bool(base_url) and urlparse(base_url).hostname in LOOPBACK


def is_listening(base_url: str, timeout: float = 1.0) -> bool:
    """True if something accepts a TCP connection at the URL's host and port. Only a connect, no request: the
    kernel completes it even while the single-slot llama.cpp server is writing, whereas GET /models waits behind
    the running completion (that wait put the chat's sources seconds late). A connect that times out on loopback
    is a full accept queue, a live but swamped server: left to the request that follows."""
    url = urlparse(base_url)
    try:
        port = url.port or DEFAULT_PORTS.get(url.scheme, 80)
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except TimeoutError:
        return True
    except (OSError, ValueError):
        return False


def check_local_endpoint(base_url: str | None, timeout: float = 1.0) -> None:
    """Raise a one-line error if nothing listens at a loopback endpoint; remote endpoints are left to the client."""
    if is_local(base_url) and not is_listening(base_url, timeout=timeout):
        raise StudyflowError(f"the local model server at {base_url} is not running; start it with `make model`")
