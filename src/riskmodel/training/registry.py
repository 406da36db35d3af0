"""Champion/challenger in the MLflow registry, the promotion gate, and the alias history.

MLflow keeps only the current alias → version map, so every move is also appended to a JSONL
file (``settings.alias_log``: who, when, alias, from, to, why) and stamped on the target version
as a tag ``alias_move.<alias>``. Gate decisions that moved nothing are appended too
(``"moved": false``). The log is append-only: lines are never rewritten.

The registry can be changed behind riskmodel's back (``MlflowClient.set_registered_model_alias``).
``disagreements`` finds every alias whose registry version differs from the history's last
move (``riskmodel models`` shows them), and the next move through riskmodel first appends the
outside move it detected, so the history and the registry agree again.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from riskmodel.settings import Settings, get_settings
from riskmodel.training.config import GateConfig

CHAMPION = "champion"
CHALLENGER = "challenger"


def actor() -> str:
    """Who moves an alias: ``RISKMODEL_ACTOR`` if set, else the OS user."""
    try:
        return os.environ.get("RISKMODEL_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def append_history(path: str | Path, entry: dict) -> None:
    """Append one JSON line (O_APPEND write of a whole line, then fsync)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_history(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def moves(history: list[dict], model: str | None = None) -> list[dict]:
    """The entries that moved an alias (gate refusals left out), optionally of one registered model."""
    return [h for h in history if h.get("moved", True) and (model is None or h.get("model", model) == model)]


def recorded_aliases(history: list[dict], model: str | None = None) -> dict[str, str | None]:
    """alias → version after the last recorded move of each alias."""
    out: dict[str, str | None] = {}
    for h in moves(history, model):
        out[h["alias"]] = None if h.get("to") is None else str(h["to"])
    return out


def disagreements(history: list[dict], registry: dict[str, str], model: str | None = None) -> list[dict]:
    """Aliases whose registry version is not the one the history's last move put there."""
    recorded = recorded_aliases(history, model)
    out = []
    for alias in sorted(set(recorded) | set(registry)):
        if recorded.get(alias) != registry.get(alias):
            out.append({"alias": alias, "history": recorded.get(alias), "registry": registry.get(alias)})
    return out


def move_alias(session, alias: str, version: str, reason: str, *, settings: Settings | None = None,
               extra: dict | None = None) -> dict:
    """Point ``alias`` at ``version`` and record the move (history file + version tag).

    A move made outside riskmodel since the last recorded one is appended first (``detected``).
    """
    settings = settings or get_settings()
    before = session.alias_version(alias)
    recorded = recorded_aliases(read_history(settings.alias_log), settings.model_name)
    if alias in recorded or before is not None:
        if recorded.get(alias) != before:
            append_history(settings.alias_log, {
                "when": _now(), "who": "unknown (outside riskmodel)", "model": settings.model_name, "alias": alias,
                "from": recorded.get(alias), "to": before, "detected": True,
                "why": f"detected by riskmodel before the next move: the registry had {before} where the "
                       f"history said {recorded.get(alias)}"})
    entry = {"when": _now(), "who": actor(), "model": settings.model_name, "alias": alias, "from": before,
             "to": str(version), "why": reason, **(extra or {})}
    session.set_alias(alias, version)
    append_history(settings.alias_log, entry)
    text = json.dumps(entry, ensure_ascii=False, default=str)
    session.tag_version(str(version), f"alias_move.{alias}", text)
    session.tag_model("last_alias_move", text)
    return entry


def record_decision(entry: dict, *, settings: Settings | None = None) -> dict:
    """Append a gate decision that moved nothing (``moved: false``) to the alias history."""
    settings = settings or get_settings()
    entry = {"when": _now(), "who": actor(), "model": settings.model_name, **entry, "moved": False}
    append_history(settings.alias_log, entry)
    return entry


@dataclass
class GateResult:
    passed: bool
    checks: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _num(x) -> float:
    return float("nan") if x is None else float(x)


def gate(champion: dict, challenger: dict, cfg: GateConfig) -> GateResult:
    """Decide whether ``challenger`` may replace ``champion``; both evaluated on the same rows.

    Checks: PR-AUC and recall@k not worse beyond tolerance (relative), ECE within bounds, and
    no subgroup whose recall@k collapses (falls below champion × (1 − subgroup_collapse)).
    Subgroups present for the champion but missing for the challenger count as collapsed.
    """
    checks = []

    def add(name: str, ok: bool, champ, chall, rule: str) -> None:
        checks.append({"check": name, "passed": bool(ok), "champion": champ, "challenger": chall, "rule": rule})

    for key, tol in (("pr_auc", cfg.pr_auc_tolerance), ("recall_at_k", cfg.recall_tolerance)):
        a, b = _num(champion.get(key)), _num(challenger.get(key))
        ok = (not math.isnan(b)) and (math.isnan(a) or b >= a * (1 - tol))
        add(key, ok, a, b, f"challenger >= champion x {1 - tol:.2f}")
    a, b = _num(champion.get("ece")), _num(challenger.get("ece"))
    bound = max(cfg.ece_max, (a if not math.isnan(a) else 0.0) + cfg.ece_tolerance)
    add("ece", (not math.isnan(b)) and b <= bound, a, b, f"challenger <= {bound:.4f}")
    sub_a = champion.get("subgroup_recall_at_k") or {}
    sub_b = challenger.get("subgroup_recall_at_k") or {}
    collapsed = []
    for group, values in sub_a.items():
        for value, ra in values.items():
            rb = (sub_b.get(group) or {}).get(value)
            if rb is None or rb < ra * (1 - cfg.subgroup_collapse):
                collapsed.append(f"{group}={value}: {ra:.3f} -> {'missing' if rb is None else f'{rb:.3f}'}")
    add("subgroups", not collapsed, None, collapsed or None,
        f"no subgroup recall@k below champion x {1 - cfg.subgroup_collapse:.2f}")
    return GateResult(all(c["passed"] for c in checks), checks)
