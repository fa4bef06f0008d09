"""One jieba tokenizer per process, shared by places, similarity and search.

Loading jieba's dictionary takes about a second, so it happens once, lazily,
behind a lock; the jieba logger is quietened because it prints to stderr.
No Django here.
"""
from __future__ import annotations

import logging
import threading

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """The process-wide jieba.Tokenizer, initialised on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.initialize()
                _tokenizer = instance
    return _tokenizer


def cut(text: str) -> list[str]:
    """jieba precise-mode words of ``text``, covering it exactly (concatenation == text)."""
    return list(tokenizer().cut(text, HMM=True))
