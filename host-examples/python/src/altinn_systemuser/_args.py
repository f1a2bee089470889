"""Argument checks at the package's boundary.

Every public function checks the *types* of its arguments here, in Python, before anything
reaches the component: a wrong type is a `TypeError` (a value of the right type but outside
what the parameter allows, e.g. an unknown status, a `ValueError`) whose message names the
parameter. What a value *means* (an org number's checksum, a system id's form) stays the
component's to judge: it answers with `ValidationError` and Altinn's codes.

Nothing here touches the component, so a refused argument never costs the client its store.
"""

from __future__ import annotations

import enum
import math
from typing import Any, List, Mapping, Optional, Sequence, Type, TypeVar

E = TypeVar("E", bound=enum.Enum)


def _what(value: Any) -> str:
    r = repr(value)
    if len(r) > 40:
        r = r[:37] + "..."
    return f"{type(value).__name__} ({r})"


def text(name: str, value: Any, *, optional: bool = False, hint: str = "") -> Optional[str]:
    """A `str` (or `None` when `optional`)."""
    if value is None and optional:
        return None
    if isinstance(value, str):
        return value
    extra = f" ({hint})" if hint else ""
    if isinstance(value, int) and not isinstance(value, bool) and "org" in name:
        extra = f": give it as text, {str(value)!r} (a leading 0 would be lost in an int)"
    none = " or None" if optional else ""
    raise TypeError(f"{name} must be a str{none}, not {_what(value)}{extra}")


def texts(name: str, value: Any, *, optional: bool = False, split: bool = False) -> Optional[List[str]]:
    """A list of `str` (a tuple or any other non-text sequence too). With `split`, one `str` is
    split on whitespace (OAuth's space-separated scopes)."""
    if value is None and optional:
        return None
    if isinstance(value, str):
        if split:
            return value.split()
        raise TypeError(f"{name} must be a list of str, not one str ({value!r}): wrap it, [{value!r}]")
    if isinstance(value, (bytes, bytearray, Mapping)) or not isinstance(value, (Sequence, set, frozenset)):
        raise TypeError(f"{name} must be a list of str, not {_what(value)}")
    out = list(value)
    for i, v in enumerate(out):
        if not isinstance(v, str):
            raise TypeError(f"{name}[{i}] must be a str, not {_what(v)}")
    return out


def sequence(name: str, value: Any, *, optional: bool = False) -> Optional[list]:
    """A list of anything (each item checked by the caller); one item that is not a sequence
    (a str, a dict, a model) is taken as a list of one."""
    if value is None and optional:
        return None
    if isinstance(value, (str, Mapping)) or not isinstance(value, (Sequence, set, frozenset)):
        if isinstance(value, (bytes, bytearray, int, float, bool)) or value is None:
            raise TypeError(f"{name} must be a list, not {_what(value)}")
        return [value]
    return list(value)


def choice(name: str, value: Any, enum_type: Type[E], *, aliases: Optional[Mapping[str, E]] = None) -> E:
    """A member of `enum_type`: the member itself, its value as Altinn spells it (`"Accepted"`),
    its name (`"ACCEPTED"`), in any case."""
    if isinstance(value, enum_type):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a {enum_type.__name__} or a str, not {_what(value)}")
    key = value.strip().casefold()
    for m in enum_type:
        if key in (str(m.value).casefold(), m.name.casefold(), m.name.replace("_", "").casefold()):
            return m
    if aliases:
        for k, m in aliases.items():
            if key == k.casefold():
                return m
    spelled = ", ".join(repr(m.value) for m in enum_type)
    raise ValueError(f"{name} must be one of {spelled} (or a {enum_type.__name__}), not {value!r}")


def number(name: str, value: Any, *, integer: bool = False, minimum: float = 0, optional: bool = False) -> Any:
    """A finite number (an `int` when `integer`) at least `minimum`."""
    if value is None and optional:
        return None
    ok = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok):
        kind = "an int" if integer else "a number"
        raise TypeError(f"{name} must be {kind}, not {_what(value)}")
    if not integer and not math.isfinite(value):
        raise ValueError(f"{name} must be finite, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} cannot be less than {minimum}, not {value!r}")
    return value


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {_what(value)}")
    return value


def instance(name: str, value: Any, *types: type, optional: bool = False, hint: str = "") -> Any:
    if value is None and optional:
        return None
    if isinstance(value, types):
        return value
    names = " or ".join(t.__name__ for t in types)
    raise TypeError(f"{name} must be a {names}{' (' + hint + ')' if hint else ''}, not {_what(value)}")


def callable_(name: str, value: Any, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not callable(value):
        raise TypeError(f"{name} must be callable, not {_what(value)}")
    return value
