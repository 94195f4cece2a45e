"""Refusals the write side explains to the person who asked: a catalog key and its parameters, so
that each page says why in the reader's language without knowing which module refused."""
from __future__ import annotations


class RefusedChange(ValueError):
    """A change that cannot be made. `key` is a catalog key, `params` fill its placeholders
    (numbers are formatted in the reader's locale where it is shown); `detail` is for logs and the
    command line, in English."""

    def __init__(self, key: str, detail: str = "", **params):
        super().__init__(f"{key}: {detail}" if detail else (f"{key} {params}" if params else key))
        self.key = key
        self.params = params
