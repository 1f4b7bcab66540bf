"""Every chapter's validator refuses bad names, types and values with a message that names them."""
import math

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnfail.chapters import CHAPTERS, SPECS
from nnfail.params import Param, ParameterError, Spec

SLUGS = sorted(SPECS)
ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                      st.text(max_size=8), st.lists(st.integers(-5, 500), max_size=9), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _accepts(p: Param, v) -> bool:
    """An independent statement of the rules, to compare the validator against."""
    def scalar(x):
        if p.kind is bool:
            ok = isinstance(x, bool)
        elif p.kind is int:
            ok = isinstance(x, int) and not isinstance(x, bool)
        elif p.kind is float:
            ok = isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
        else:
            ok = isinstance(x, str)
        if not ok:
            return False
        if p.choices is not None and x not in p.choices:
            return False
        if p.kind in (int, float):
            if p.low is not None and (x < p.low or (p.low_open and x == p.low)):
                return False
            if p.high is not None and (x > p.high or (p.high_open and x == p.high)):
                return False
        return True

    if p.sequence:
        return isinstance(v, (list, tuple)) and p.min_len <= len(v) <= p.max_len and all(scalar(x) for x in v)
    return scalar(v)


@pytest.mark.parametrize("slug", SLUGS)
def test_defaults_are_valid(slug):
    spec = SPECS[slug]
    assert spec.validate({}) == spec.defaults()


@pytest.mark.parametrize("slug", SLUGS)
@SETTINGS
@given(data=st.data())
def test_random_values_are_refused_or_accepted_by_the_rules(slug, data):
    spec = SPECS[slug]
    p = data.draw(st.sampled_from(spec.params))
    value = data.draw(ANY_VALUE)
    if _accepts(p, value):
        spec.validate({p.name: value}, allow_expensive=True)
    else:
        with pytest.raises(ParameterError) as err:
            spec.validate({p.name: value}, allow_expensive=True)
        msg = str(err.value)
        assert repr(p.name) in msg and "allowed:" in msg, msg


@pytest.mark.parametrize("slug", SLUGS)
@SETTINGS
@given(name=st.text(min_size=1, max_size=12))
def test_unknown_names_are_refused(slug, name):
    spec = SPECS[slug]
    if name in spec.by_name:
        return
    with pytest.raises(ParameterError, match="unknown parameter"):
        spec.validate({name: 1})


@pytest.mark.parametrize("slug", SLUGS)
@SETTINGS
@given(data=st.data())
def test_command_line_strings_never_crash(slug, data):
    spec = SPECS[slug]
    p = data.draw(st.sampled_from(spec.params))
    text = data.draw(st.one_of(st.text(max_size=10), st.sampled_from(["1e9", "-1", "[1,2]", "True", "nan", "inf", "'x'", "1.5"])))
    try:
        spec.validate(spec.parse_cli([(p.name, text)]), allow_expensive=True)
    except ParameterError as err:
        assert repr(p.name) in str(err)


def test_messages_name_parameter_value_and_allowed_values():
    spec = SPECS["scaling_disaster"]
    with pytest.raises(ParameterError, match=r"'lr': value -1\.0 is out of range; allowed: float in \(0, 1\]"):
        spec.validate({"lr": -1.0})
    with pytest.raises(ParameterError, match=r"'target': value 'cube' is not allowed; allowed: one of 'hinge', 'square', 'notch'"):
        spec.validate({"target": "cube"})
    with pytest.raises(ParameterError, match=r"'n_seeds': value 3\.5 has type float; allowed: int"):
        spec.validate({"n_seeds": 3.5})
    with pytest.raises(ParameterError, match=r"'hidden'.*has 0 values"):
        spec.validate({"hidden": []})
    with pytest.raises(ParameterError, match=r"'quick'.*has type int"):
        spec.validate({"quick": 1})


def test_expensive_parameter_sets_are_refused_up_front_unless_allowed():
    spec = SPECS["scaling_disaster"]
    with pytest.raises(ParameterError, match=r"would take about \d+ minutes.*--allow-expensive"):
        spec.validate({"n_seeds": 4096, "outer_epochs": 2000})
    spec.validate({"n_seeds": 4096, "outer_epochs": 2000}, allow_expensive=True)


BOOK_SLUGS = [c.slug for c in CHAPTERS]


@pytest.mark.parametrize("slug", BOOK_SLUGS)
def test_every_chapter_estimates_its_work_and_refuses_sets_over_the_limit(slug):
    import dataclasses

    spec = SPECS[slug]
    huge = {p.name: p.high for p in spec.params if p.kind is int and p.high is not None and not p.sequence
            and p.name != "seed"}
    full = spec.validate({**spec.defaults(), **huge}, allow_expensive=True)
    assert spec.cost(full) > 10 * spec.cost(spec.defaults())  # the estimate follows the work
    strict = dataclasses.replace(spec, max_cost=2 * spec.cost(spec.defaults()))
    with pytest.raises(ParameterError, match=r"would take about \d+ minutes .*--allow-expensive"):
        strict.validate(huge)
    strict.validate({})  # the defaults pass


def test_the_notebook_record_validates_the_namespace_and_is_frozen():
    ns = dict(SPECS["scaling_disaster"].defaults(), lr=2.0)
    with pytest.raises(ParameterError, match="'lr'"):
        SPECS["scaling_disaster"].record(ns)
    with pytest.raises(ParameterError, match="did not define: seed"):
        SPECS["template"].record({"quick": False})
    P = SPECS["scaling_disaster"].record(dict(SPECS["scaling_disaster"].defaults(), n_seeds=8, other=1))
    assert P.n_seeds == 8 and P.hidden == [15, 15, 15] and P.lr == 1e-3  # validated, normalized
    assert P.as_dict() == SPECS["scaling_disaster"].validate({"n_seeds": 8})
    with pytest.raises(AttributeError, match="no parameter 'other'"):
        P.other  # only declared parameters, whatever else the namespace holds
    with pytest.raises(dataclasses.FrozenInstanceError):
        P.n_seeds = 4
    Q = P.replace(n_seeds=4)
    assert (Q.n_seeds, P.n_seeds) == (4, 8) and Q != P and Q.replace(n_seeds=8) == P
    with pytest.raises(AttributeError, match="no parameter 'n_seed'"):
        P.replace(n_seed=4)


def test_the_parameters_cell_is_written_from_the_declarations():
    text = SPECS["scaling_disaster"].parameters_cell()
    lines = text.splitlines()
    assert [ln.split(" = ")[0] for ln in lines] == [p.name for p in SPECS["scaling_disaster"].params]
    assert 'target = "square"' in text and "hidden = [15, 15, 15]" in text and "samples_per_epoch = 10000" in text
    assert lines[0].endswith("# base seed of every random generator")


def test_declaration_errors_are_caught_at_import():
    with pytest.raises(ParameterError):
        Spec((Param("x", 5, int, "bad default", low=0, high=1),))
