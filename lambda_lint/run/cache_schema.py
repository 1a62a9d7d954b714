"""What a cache entry must look like before a run believes it.

The cache is input too: a damaged or hand-edited entry (``"line": "abc"``,
``"suppressions": "x"``) made the run exit 2, and a plausible edit erased or invented
findings. Entries are signed (cache.py); these checks are the second half: an entry whose
shape is wrong is a miss, never an error. Pure functions of plain JSON data.
"""

from __future__ import annotations

from typing import Any

_SEVERITIES = frozenset({"error", "warning", "info"})


def _int(v: Any, minimum: int = 1) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _opt_int(v: Any) -> bool:
    return v is None or _int(v)


def _opt_str(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _location(d: Any) -> bool:
    return (isinstance(d, dict) and isinstance(d.get("path"), str) and _int(d.get("line"))
            and _int(d.get("column", 1)) and _opt_int(d.get("end_line")) and _opt_int(d.get("end_column"))
            and isinstance(d.get("message", ""), str))


def finding(d: Any) -> bool:
    return (isinstance(d, dict)
            and all(isinstance(d.get(k), str) for k in ("path", "rule", "name", "message"))
            and d.get("severity") in _SEVERITIES
            and _int(d.get("line")) and _int(d.get("column"))
            and _opt_int(d.get("end_line")) and _opt_int(d.get("end_column"))
            and _opt_str(d.get("resource")) and _opt_str(d.get("function"))
            and isinstance(d.get("anchor", ""), str)
            and isinstance(d.get("related", []), list) and all(_location(r) for r in d.get("related", [])))


def _findings(v: Any) -> bool:
    return isinstance(v, list) and all(finding(d) for d in v)


def _suppression(s: Any) -> bool:
    return (isinstance(s, list) and len(s) == 4 and _int(s[0]) and _int(s[1])
            and (s[2] is None or (isinstance(s[2], list) and all(isinstance(c, str) for c in s[2])))
            and isinstance(s[3], str))


def _facts(v: Any) -> bool:
    if v is None:
        return True
    if not isinstance(v, dict):
        return False
    for key in ("functions", "handlers", "boto3_calls", "boto3_clients"):
        if key in v and not (isinstance(v[key], list) and all(isinstance(x, (dict, str)) for x in v[key])):
            return False
    return ("imports" not in v or isinstance(v["imports"], dict)) and _opt_str(v.get("skipped"))


def file_result(data: Any) -> bool:
    """A per-file result (what parallel.result_to_json writes)."""
    if not isinstance(data, dict):
        return False
    rl = data.get("resource_lines", {})
    ri = data.get("resource_ignores", {})
    sup = data.get("suppressions", [])
    return (_findings(data.get("findings", []))
            and _facts(data.get("facts"))
            and isinstance(sup, list) and all(_suppression(s) for s in sup)
            and isinstance(rl, dict) and all(isinstance(k, str) and _int(v) for k, v in rl.items())
            and isinstance(ri, dict) and all(isinstance(k, str) and isinstance(v, list)
                                             and all(isinstance(c, str) for c in v) for k, v in ri.items())
            and isinstance(data.get("parsed", False), bool)
            and isinstance(data.get("digest", ""), str))


def project_result(data: Any) -> bool:
    """A template's project-phase entry (project/cache.py): signatures of its inputs, findings."""
    return (isinstance(data, dict) and isinstance(data.get("deps"), dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in data["deps"].items())
            and _findings(data.get("findings")))


def entry(data: Any) -> bool:
    return project_result(data) if isinstance(data, dict) and "deps" in data else file_result(data)


def compiled_rules(data: Any) -> bool:
    """The compiled declarative rules (cache.rules_to_data)."""
    if not isinstance(data, list) or not data:
        return False
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("meta"), dict):
            return False
        m = item["meta"]
        if not (isinstance(m.get("code"), str) and isinstance(m.get("name"), str)
                and m.get("severity") in _SEVERITIES and isinstance(m.get("options", []), list)):
            return False
        if not all(k in item for k in ("subject", "where", "require", "message", "points_to")):
            return False
    return True
