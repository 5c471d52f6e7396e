"""frames.py: gliad's JSON documents as pandas DataFrames, one pure function each.

Each function takes the JSON exactly as the daemon sent it and adds nothing but the
layout: every value in a frame is a value of that JSON (tests/python check it), so a
frame can always be traced back to its route.
"""
from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

#: The scalar members of a trajectory point, in the JSON's order (openapi: Point).
POINT_COLUMNS = ["episode", "avg_reward", "accept_rate", "accuracy", "distinct_outputs", "constant_output"]

def field_column(pointer: str) -> str:
    """The column name of a swept config pointer: ``/learner/cursor/radius`` becomes
    ``learner.cursor.radius`` (``~1`` and ``~0`` decoded)."""
    parts = pointer.lstrip("/").split("/")
    return ".".join(p.replace("~1", "/").replace("~0", "~") for p in parts)


def trajectory_frame(points: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per trajectory point (``GET .../metrics`` ``points``): the point's scalar
    members as columns in the JSON's order (POINT_COLUMNS, then any the daemon adds);
    the output vectors are in outputs_frame."""
    rows = [{k: v for k, v in p.items() if not isinstance(v, (list, dict))} for p in points]
    cols: list[str] = list(POINT_COLUMNS)
    for r in rows:
        cols += [k for k in r if k not in cols]
    df = pd.DataFrame(rows, columns=cols)
    return df.astype({"episode": "int64", "distinct_outputs": "int64", "constant_output": "bool"})


def outputs_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per (trajectory point, task pattern) of ``GET .../outputs`` (``patterns``
    and ``points``), the columns of its CSV: ``episode``, ``pattern`` (0-based, task
    order), ``input``, ``target``, ``output`` (the point's output vector for that
    pattern), ``correct`` (output equals target) and ``accuracy`` (the fraction of output
    bits equal to the target's)."""
    patterns = doc["patterns"]
    rows = []
    for p in doc["points"]:
        for i, (pat, out) in enumerate(zip(patterns, p["outputs"])):
            target = pat["target"]
            same = sum(a == b for a, b in zip(out, target))
            rows.append([p["episode"], i, pat["input"], target, out, out == target, same / len(target)])
    cols = ["episode", "pattern", "input", "target", "output", "correct", "accuracy"]
    return pd.DataFrame(rows, columns=cols).astype({"episode": "int64", "pattern": "int64", "correct": "bool"})


def flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A JSON object's scalars as ``{column: value}``, as gliad's CSV flattens it: member
    ``k`` of a nested object ``parent`` is ``parent.k``, an array of scalars ``name.0``,
    ``name.1``, ..."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = prefix + key
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out.update(flatten(item, f"{name}.{i}."))
                else:
                    out[f"{name}.{i}"] = item
        else:
            out[name] = value
    return out


def runs_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per finished (condition, seed) run of ``GET /v1/experiments/{name}/runs``,
    in its order: the run object flattened as the route's CSV does (``condition``,
    ``session``, ``seed``, ``episodes``, ``accuracy``, ..., ``outputs.0``...,
    ``pattern_accuracy.0``..., ``episodes_to_90``...), except that a sweep's values are
    columns named after their field (``values./learner/exploration`` becomes
    ``learner.exploration``, see field_column)."""
    rows = []
    for run in doc.get("runs", []):
        flat = flatten(run)
        rows.append({(field_column(k[len("values.") :]) if k.startswith("values.") else k): v for k, v in flat.items()})
    df = pd.DataFrame(rows)
    return df


def _condition_values(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: dict(c.get("values") or {}) for c in doc.get("conditions", [])}


def _swept(doc: dict[str, Any]) -> list[str]:
    sweep = doc.get("sweep") or {}
    return list(sweep.get("fields") or [])


def summary_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per condition of an experiment's results (``results.conditions`` and
    ``results.ranking``; empty before there are results), in condition order:
    ``condition``, ``preset``, a sweep's swept values as columns, ``n``,
    ``mean_accuracy``, ``sd``, ``min``, ``max``, ``ci_low``/``ci_high`` (the t interval),
    ``boot_low``/``boot_high`` (the bootstrap interval), ``accept_rate``,
    ``mean_distinct_outputs``, ``constant_output_seeds``, ``reach_90_seeds`` and
    ``reach_90_median`` (and 95, 100), ``rank`` and ``worse`` (significantly worse than
    the best: Holm-corrected Wilcoxon, the ranking's ``vs_best.worse``).
    """
    results = doc.get("results") or {}
    fields = _swept(doc)
    values = _condition_values(doc)
    ranking = {r["label"]: r for r in results.get("ranking", [])}
    rows = []
    for c in results.get("conditions", []):
        label = c["label"]
        row: dict[str, Any] = {"condition": label, "preset": c.get("preset")}
        for f in fields:
            row[field_column(f)] = (c.get("values") or values.get(label, {})).get(f)
        row.update(
            n=c["n"],
            mean_accuracy=c["mean_accuracy"],
            sd=c["sd"],
            min=c["min"],
            max=c["max"],
            ci_low=c["ci95"]["low"],
            ci_high=c["ci95"]["high"],
            boot_low=c["ci95_bootstrap"]["low"],
            boot_high=c["ci95_bootstrap"]["high"],
            accept_rate=c["accept_rate"],
            mean_distinct_outputs=c["mean_distinct_outputs"],
            constant_output_seeds=c["constant_output_seeds"],
        )
        for level in ("90", "95", "100"):
            reach = (c.get("episodes_to") or {}).get(level) or {}
            row[f"reach_{level}_seeds"] = reach.get("seeds")
            row[f"reach_{level}_median"] = reach.get("median_episodes")
        rank = ranking.get(label, {})
        row["rank"] = rank.get("rank")
        row["worse"] = bool((rank.get("vs_best") or {}).get("worse", False))
        rows.append(row)
    return pd.DataFrame(rows)


def curves_frame(curves: dict[str, Any]) -> pd.DataFrame:
    """One row per (condition, episode, metric) of ``GET /v1/experiments/{name}/curves``,
    the columns of its CSV: ``condition``, ``seeds``, ``episode``, ``metric``, ``n``,
    ``mean``, ``sd``, ``ci_low``, ``ci_high`` (NaN where the daemon sent null: no seed
    had the metric at that episode, or fewer than 2 for the interval)."""
    rows = []
    metrics = curves.get("metrics") or ["accuracy", "avg_reward", "accept_rate"]
    for cond in curves.get("conditions", []):
        for point in cond.get("points", []):
            for m in metrics:
                s = point.get(m) or {}
                ci = s.get("ci95") or {}
                rows.append(
                    [cond["label"], cond.get("seeds"), point["episode"], m, s.get("n"), s.get("mean"), s.get("sd"), ci.get("low"), ci.get("high")]
                )
    cols = ["condition", "seeds", "episode", "metric", "n", "mean", "sd", "ci_low", "ci_high"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("n", "mean", "sd", "ci_low", "ci_high"):
        df[c] = pd.to_numeric(df[c])
    return df
