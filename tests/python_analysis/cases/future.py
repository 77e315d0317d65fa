"""Module docstring."""
from __future__ import annotations

x: int
(y): int = 2


class K:
    z: list[int]
    (w): str
