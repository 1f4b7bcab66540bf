"""Chapter parameters: declared once with type and allowed values, validated everywhere.

The command line (`nnfail run -p NAME VALUE`) and the first code cell of every chapter (for papermill,
Binder and Colab users who bypass the command line) call the same validator, so a bad value is refused
with the same message before any training starts.
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence


class ParameterError(ValueError):
    """A parameter name, type or value that a chapter does not accept."""


_TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str"}


@dataclass(frozen=True)
class Param:
    """One chapter parameter: its default, its type and what values it allows.

    kind is bool, int, float or str; with ``sequence=True`` the value is a list of ``kind``.
    low/high bound numbers (each inclusive unless low_open/high_open); choices lists the allowed values;
    min_len/max_len bound the length of a sequence.
    """

    name: str
    default: Any
    kind: type
    meaning: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple | None = None
    sequence: bool = False
    min_len: int = 1
    max_len: int = 16

    def allowed(self) -> str:
        """Human description of the allowed values, used in every error message."""
        if self.choices is not None:
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        else:
            text = _TYPE_NAMES[self.kind]
            if self.low is not None or self.high is not None:
                lo = "-inf" if self.low is None else _num(self.low)
                hi = "inf" if self.high is None else _num(self.high)
                left = "(" if self.low_open or self.low is None else "["
                right = ")" if self.high_open or self.high is None else "]"
                text += f" in {left}{lo}, {hi}{right}"
        if self.sequence:
            text = f"a list of {self.min_len} to {self.max_len} values, each {text}"
        return text

    def check(self, value: Any) -> Any:
        """Return the value normalized (int -> float for floats, tuple -> list), or raise ParameterError."""
        if self.sequence:
            if not isinstance(value, (list, tuple)):
                raise self._error(value, "is not a list")
            if not self.min_len <= len(value) <= self.max_len:
                raise self._error(value, f"has {len(value)} values")
            return [self._check_scalar(v, whole=value) for v in value]
        return self._check_scalar(value, whole=value)

    def _check_scalar(self, value: Any, whole: Any) -> Any:
        kind = self.kind
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if ok:
                value = float(value)
                ok = math.isfinite(value)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise self._error(whole, f"has type {type(value).__name__}")
        if self.choices is not None and value not in self.choices:
            raise self._error(whole, "is not allowed")
        if kind in (int, float):
            if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
                raise self._error(whole, "is out of range")
            if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
                raise self._error(whole, "is out of range")
        return value

    def _error(self, value: Any, why: str) -> ParameterError:
        return ParameterError(f"parameter {self.name!r}: value {value!r} {why}; allowed: {self.allowed()}")

    def parse(self, text: str) -> Any:
        """Turn a command-line string into a value of this parameter (not yet range-checked)."""
        if self.kind is str and not self.sequence:
            return text
        if self.kind is bool and text.lower() in ("true", "false"):
            return text.lower() == "true"
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ParameterError(
                f"parameter {self.name!r}: cannot read {text!r} as {_TYPE_NAMES[self.kind]}"
                f"; allowed: {self.allowed()}"
            ) from None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


@dataclass(frozen=True)
class Spec:
    """The declared parameters of one chapter, plus an estimate of the work a parameter set asks for."""

    params: tuple[Param, ...]
    cost: Callable[[Mapping[str, Any]], float] | None = None  # estimated seconds on the book's 2-core CPU
    max_cost: float = 3600.0  # refuse parameter sets estimated to take longer, unless allowed
    by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {p.name: p for p in self.params})
        for p in self.params:  # a declaration error is a bug in the book, caught at import
            p.check(p.default)

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def unknown(self, names: Sequence[str]) -> None:
        for name in names:
            if name not in self.by_name:
                raise ParameterError(
                    f"unknown parameter {name!r}; this chapter takes: " + ", ".join(self.by_name)
                )

    def validate(self, values: Mapping[str, Any], allow_expensive: bool = False) -> dict:
        """Full parameter set (defaults filled in), normalized; raises ParameterError on any bad value."""
        self.unknown(list(values))
        merged = self.defaults()
        merged.update(values)
        checked = {name: self.by_name[name].check(v) for name, v in merged.items()}
        if self.cost is not None and not allow_expensive:
            seconds = float(self.cost(checked))
            if seconds > self.max_cost:
                raise ParameterError(
                    f"these parameters would take about {seconds / 60:.0f} minutes "
                    f"(limit {self.max_cost / 60:.0f}); pass --allow-expensive to run them anyway"
                )
        return checked

    def parse_cli(self, pairs: Sequence[tuple[str, str]]) -> dict:
        """Parse `-p NAME VALUE` pairs into values (names and types checked)."""
        self.unknown([name for name, _ in pairs])
        return {name: self.by_name[name].parse(text) for name, text in pairs}
