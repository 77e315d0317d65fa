"""Exclusions: pragmas, default regexes, swallowed suites, decorators, irrefutable cases."""
import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import os

if typing.TYPE_CHECKING:
    import sys


def stub() -> int: ...


def multi(
    a,
    b,
) -> int:
    ...


class Proto(typing.Protocol):
    def method(self): ...


def f(x):  # pragma: no cover
    if x:
        return 1
    return 2


@decorator  # pragma: no cover
def g():
    return 3


def h(
    x,  # pragma: no cover
):
    return x


def k(x):
    if x:  # pragma: no cover
        a = 1
        b = 2
    else:
        c = 3
    try:
        d = 4
    except ValueError:  # pragma: no cover
        e = 5
    while x:  # pragma: no branch
        x -= 1
    lam = lambda: 1  # pragma: no cover
    z: int = 6  # pragma: no cover
    return c


def m(command):
    match command:
        case "go":
            return 1
        case _:  # pragma: no cover
            return 2


def n(command):
    match command:
        case [x, y]:
            return x
        case other:
            raise ValueError(other)  # pragma: no cover


x = (1 +
     2)  # pragma: no cover
y = """
a pragma: no cover in a string
"""
