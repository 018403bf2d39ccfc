"""The embedded default LLM: a local llama.cpp OpenAI-compatible server."""

from local_llm.model_file import (
    ModelChecksumError,
    ModelFileError,
    ModelPartMissingError,
    assemble,
    gguf_path,
    locate_parts,
)
from local_llm.server import (
    LLMServerError,
    ServerStatus,
    base_url,
    is_ready,
    start,
    status,
    stop,
)

__all__ = [
    "LLMServerError",
    "ModelChecksumError",
    "ModelFileError",
    "ModelPartMissingError",
    "ServerStatus",
    "assemble",
    "base_url",
    "gguf_path",
    "is_ready",
    "locate_parts",
    "start",
    "status",
    "stop",
]
