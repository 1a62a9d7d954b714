"""The pieces LL301 decides with: string alternatives, pattern matching, value origins."""

from __future__ import annotations

import pytest

from lambda_lint.project import strings as S
from lambda_lint.project.patterns import Doc, UNKNOWN, may_match


@pytest.mark.parametrize("parts,old,new,want", [
    (("uploads/", None), "uploads/", "thumbs/", ("thumbs/", None)),
    (("uploads/", None, ".jpg"), ".jpg", ".webp", ("uploads/", None, ".webp")),
    # "a/" could be the start of an "a/b" straddling into the unknown part: that text is unknown
    (("xa/", None), "a/b", "c", ("x", None)),
    ((None, "/b.txt"), "a/b", "c", (None, ".txt")),
    (("in/x",), "in/", "out/", ("out/x",)),
])
def test_replace_keeps_only_what_is_certain(parts, old, new, want) -> None:
    assert S.replace(parts, old, new) == want


def test_prefix_and_suffix_checks() -> None:
    assert not S.may_start_with(("processed/", None, ".csv"), "raw/")
    assert S.may_start_with(("ra", None), "raw/")
    assert not S.may_end_with(("processed/", None, ".csv"), "json")
    assert S.may_end_with((None,), ".json")
    assert S.sub_parts("${AWS::StackName}-in/") == (None, "-in/")


def _doc(**fields) -> Doc:
    return Doc({k: ([(v,)] if isinstance(v, str) else v) for k, v in fields.items()})


@pytest.mark.parametrize("pattern,doc,want", [
    ({"source": ["acme.orders"]}, _doc(source="acme.orders"), True),
    ({"source": ["acme.orders"]}, _doc(source="acme.billing"), False),
    ({"source": [{"prefix": "acme."}]}, _doc(source="acme.billing"), True),
    ({"source": [{"prefix": "acme."}]}, _doc(source="other.billing"), False),
    ({"source": [{"anything-but": ["a", "b"]}]}, _doc(source="a"), False),
    ({"source": [{"anything-but": {"prefix": "acme."}}]}, _doc(source="acme.x"), False),
    ({"source": [{"anything-but": "a"}]}, Doc({"source": [(None,)]}), True),
    ({"detail": {"status": ["NEW"]}}, Doc({"detail": Doc({"status": [("DONE",)]}, closed=True)}), False),
    ({"detail": {"status": ["NEW"]}}, Doc({"detail": UNKNOWN}), True),
    # an attribute the message lacks: no match, unless the pattern asks for its absence
    ({"kind": ["order"]}, Doc({}, closed=True), False),
    ({"kind": [{"exists": False}]}, Doc({}, closed=True), True),
    ({"flag": [True]}, Doc({"flag": [("false",)]}), False),
    ({"$or": [{"a": ["x"]}, {"b": ["y"]}]}, Doc({"a": [("z",)], "b": [("y",)]}), True),
    ({"$or": [{"a": ["x"]}, {"b": ["y"]}]}, Doc({"a": [("z",)], "b": [("z",)]}), False),
])
def test_patterns(pattern, doc, want) -> None:
    assert may_match(pattern, doc) is want


def _origin(src: str, name: str):
    from lambda_lint.code import parse_source
    from lambda_lint.code.analysis import ModuleAnalysis
    from lambda_lint.code.values import origin

    an = ModuleAnalysis(parse_source(src), src, "m.py")
    f = an.module_functions["handler"]
    return origin(an, f.assigns[name][-1], f)


def test_formats_split_into_literal_text_and_arguments() -> None:
    src = ("import os\nP = 'out'\ndef key_for(x):\n    return 'k/' + x + '.csv'\n"
           "def handler(event, context):\n"
           "    n = event['name']\n"
           "    a = '%s/%s.json' % (P, n)\n"
           "    b = '{}/{n}.txt'.format(P, n=n)\n"
           "    c = os.path.join(os.environ['PREFIX'], n)\n"
           "    d = key_for(n)\n")
    lits = lambda o: [p.get("value") if p.get("kind") == "literal" else p.get("kind") for p in o["parts"]]
    assert lits(_origin(src, "a")) == ["out", "/", "event", ".json"]
    assert lits(_origin(src, "b")) == ["out", "/", "event", ".txt"]
    assert lits(_origin(src, "c")) == ["env", "sep", "event"]
    assert lits(_origin(src, "d")) == ["k/", "param", ".csv"]
