"""One way to read a setting from the environment, at call time (tests and servers change them per process).

An unset or empty variable gives the default; a value that cannot be used is one line naming the variable,
the value and what it accepts, never a raw ValueError or a silent fall back to the default.
"""

import os
from pathlib import Path

from core.errors import SettingError


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def text(name: str, default: str) -> str:
    return _raw(name) or default


def optional_text(name: str) -> str | None:
    return _raw(name)


def integer(
    name: str, default: int, minimum: int | None = None, maximum: int | None = None, kind: str = "a whole number"
) -> int:
    """kind: what the value is, for the error line ("a port number")."""
    return _bounded(name, default, int, minimum, maximum, kind)


def number(
    name: str, default: float, minimum: float | None = None, maximum: float | None = None, kind: str = "a number"
) -> float:
    """kind: what the value is, for the error line ("a number of seconds")."""
    return _bounded(name, default, float, minimum, maximum, kind)


def _bounded(name, default, convert, minimum, maximum, kind):
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = convert(raw)
    except ValueError:
        value = None
    if value is None or value != value or not _within(value, minimum, maximum):  # value != value: NaN
        raise _unusable(name, raw, kind, minimum, maximum)
    return value


def path(name: str, default: Path) -> Path:
    raw = _raw(name)
    return (Path(raw).expanduser() if raw else default).resolve()


def _within(value: float, minimum: float | None, maximum: float | None) -> bool:
    return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)


def _unusable(name: str, raw: str, kind: str, minimum: float | None, maximum: float | None) -> SettingError:
    return SettingError(f"{name} must be {kind}{_bounds(minimum, maximum)}, not {raw!r}; fix it or unset it")


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""
