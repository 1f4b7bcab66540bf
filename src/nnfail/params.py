"""Chapter declarations: parameters (declared once with type and allowed values, validated everywhere),
the record a validated parameter set becomes, and the record that describes a chapter.

The command line (`nnfail run -p NAME VALUE`) and the first code cell of every chapter (for papermill,
Binder and Colab users who bypass the command line) call the same validator, so a bad value is refused
with the same message before any training starts. Validation returns a frozen :class:`Params` record
that the notebook passes whole to its chapter's functions: one name per parameter from the command line
to the code that uses it.

Each chapter declares itself in ``nnfail/chapters/<slug>/spec.py`` with a :class:`ChapterSpec`; the list of
chapters is ``nnfail.chapters.CHAPTERS``. Nothing here imports TensorFlow.
"""
from __future__ import annotations

import ast
import json
import math
import dataclasses
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

    def record(self, namespace: Mapping[str, Any]) -> "Params":
        """Validate the parameters as a notebook's parameters cell set them (in ``namespace``, usually the
        notebook's ``globals()``) and return them as one frozen record.

        Called in the first code cell after the parameters, so papermill, Binder and Colab users get the
        same clear refusal as the command line before any training starts.
        """
        missing = [p.name for p in self.params if p.name not in namespace]
        if missing:
            raise ParameterError(f"the parameters cell did not define: {', '.join(missing)}")
        return Params(self.validate({p.name: namespace[p.name] for p in self.params}, allow_expensive=True))

    def parameters_cell(self) -> str:
        """The notebook's ``parameters`` cell, written from the declarations (``nnfail sync`` writes it)."""
        width = max(len(f"{p.name} = {_literal(p.default)}") for p in self.params) + 1
        return "\n".join(f"{p.name} = {_literal(p.default)}".ljust(max(width, 29)) + f"# {p.meaning}"
                         for p in self.params)

    def parse_cli(self, pairs: Sequence[tuple[str, str]]) -> dict:
        """Parse `-p NAME VALUE` pairs into values (names and types checked)."""
        self.unknown([name for name, _ in pairs])
        return {name: self.by_name[name].parse(text) for name, text in pairs}


def _literal(value: Any) -> str:
    """A default as the parameters cell writes it: strings in double quotes, numbers in their shortest form."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


class Params:
    """A validated parameter set, frozen: ``P.n_seeds``; ``P.replace(n_seeds=4)`` for a derived copy (the
    copy is not re-validated: derived sizes such as a quick run's are the chapter's own choice)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}; the record holds: {', '.join(self._values)}") from None

    def __setattr__(self, name, value):
        raise dataclasses.FrozenInstanceError(f"parameters are frozen; use P.replace({name}=...)")

    def replace(self, **changes: Any) -> "Params":
        unknown = set(changes) - set(self._values)
        if unknown:
            raise AttributeError(f"no parameter {sorted(unknown)[0]!r}")
        return Params({**self._values, **changes})

    def as_dict(self) -> dict:
        return dict(self._values)

    def __eq__(self, other) -> bool:
        return isinstance(other, Params) and self._values == other._values

    __hash__ = None

    def __repr__(self) -> str:
        return "Params(" + ", ".join(f"{k}={v!r}" for k, v in self._values.items()) + ")"


# the two parameters every chapter has
SEED = Param("seed", 0, int, "base seed of every random generator", low=0, high=2**31 - 1)
QUICK = Param("quick", False, bool, "smoke-test sizes: few seeds and epochs (for tests)")


@dataclass(frozen=True)
class Source:
    """The public text a chapter retells (credited and linked on the chapter's page)."""

    title: str
    site: str
    url: str | None  # None where the address was not recovered
    licence: str | None  # None where the text states none
    author: str = "the authors as shown on the linked page"

    @property
    def licence_url(self) -> str | None:
        return LICENCE_URLS.get(self.licence)

    def credit(self) -> str:
        """The Markdown line that opens the chapter: what it retells, where, under which licence."""
        title = f"[{self.title}]({self.url})" if self.url else f"*{self.title}*"
        where = self.site + ("" if self.url else "; its address was not recovered")
        lic = (f", licensed [{self.licence}]({self.licence_url})" if self.licence
               else "; no licence is stated, so we quote at most a short phrase")
        return (f"**Source.** {title} ({where}), by {self.author}{lic}. This chapter retells it in its own "
                f"words and re-implements every experiment in the book's own code.")


DSSE = "a question on Data Science Stack Exchange, with its answers and comments"
CC_BY_SA_3 = "CC BY-SA 3.0"  # Stack Exchange content posted before May 2018
CC_BY_SA_4 = "CC BY-SA 4.0"
LICENCE_URLS = {CC_BY_SA_3: "https://creativecommons.org/licenses/by-sa/3.0/",
                CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/"}


@dataclass(frozen=True)
class ChapterSpec:
    """Everything the code needs to know about one chapter, declared in its folder's ``spec.py``."""

    number: int
    slug: str  # the notebook is chapters/NN_<slug>.ipynb and its code the package nnfail.chapters.<slug>
    title: str  # the notebook's first heading
    spec: Spec
    # seconds the default run may take alone on the book's 2-core machine; set so that the measured run leaves at
    # least 15% of it unused (benchmarks/chapter_profile.py --run N --full prints both)
    budget: float
    source: Source
    causes: tuple[str, ...] = ()  # doctor checks whose finding names this chapter's cause
    # finer doctor causes ("check/variant") this chapter's page explains, beyond its own causes; a finding
    # links the page of its cause (see nnfail.chapters.page_for)
    pages: tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return f"{self.number:02d}_{self.slug}"

    @property
    def notebook(self) -> str:
        """Path of the notebook relative to the book root."""
        return f"chapters/{self.stem}.ipynb"

    @property
    def package(self) -> str:
        """The chapter's folder as a Python package: spec, experiments and the doctor's pair."""
        return f"nnfail.chapters.{self.slug}"

    def record(self, namespace: Mapping[str, Any]) -> Params:
        """The notebook's parameters, validated, as one frozen record (see :meth:`Spec.record`)."""
        return self.spec.record(namespace)
