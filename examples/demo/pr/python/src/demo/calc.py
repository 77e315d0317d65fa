"""Arithmetic with a few branches, so the report has something to show."""


def add(a, b):
    return a + b


def divide(a, b):
    if b == 0:
        raise ZeroDivisionError("b must not be zero")
    return a / b


def sign(x):
    if x > 0:
        return 1
    elif x < 0:
        return -1
    return 0


def unused():
    total = 0
    for i in range(3):
        total += i
    return total


def clamp(x, lo, hi):
    """Limits x to the range [lo, hi]."""
    if lo > hi:
        raise ValueError("lo must not exceed hi")
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x
