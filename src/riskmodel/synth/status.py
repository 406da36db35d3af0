"""The yearly re-collection of member attributes (年度信息采集) → the ``member_status`` table.

Every November each county's cadres re-record school stage and labour capacity. The recorded
values follow the latent people: school stage from age and each child's (hidden) schooling
track; labour capacity from age, schooling, disability and chronic illness. Only changes are
written (a row per member whose values differ from the last recorded ones). Effective and
report dates come from their own random stream, so the other tables are the same with or
without this table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from riskmodel.contract.schema import EDUCATION, IN_SCHOOL, LABOR_SKILLS
from riskmodel.synth.params import LAG

if TYPE_CHECKING:  # pragma: no cover
    from riskmodel.synth.engine import Simulation

SKILLED, ORDINARY, WEAK, NO_LABOUR = (LABOR_SKILLS.index(s) for s in ("skilled", "ordinary", "weak", "none"))
_TRAINED = (EDUCATION.index("vocational"), EDUCATION.index("college"))


def school_stage(age: np.ndarray, track: np.ndarray) -> np.ndarray:
    """School stage (index into IN_SCHOOL) by age and schooling track (0 stops after compulsory,
    1 senior high then college, 2 vocational)."""
    s = np.zeros(len(age), dtype=np.int8)
    s[(age >= 3) & (age <= 5)] = IN_SCHOOL.index("preschool")
    s[(age >= 6) & (age <= 15)] = IN_SCHOOL.index("compulsory")
    teen = (age >= 16) & (age <= 18)
    s[teen & (track == 1)] = IN_SCHOOL.index("senior")
    s[teen & (track == 2)] = IN_SCHOOL.index("vocational")
    s[(age >= 19) & (age <= 22) & (track == 1)] = IN_SCHOOL.index("college")
    return s


def labour_capacity(skill: np.ndarray, age: np.ndarray, stage: np.ndarray, education: np.ndarray,
                    grade: np.ndarray, chronic: np.ndarray) -> np.ndarray:
    """Labour capacity now from the last recorded one: pupils and children have none; school
    leavers become ordinary (skilled after vocational school or college); ageing and illness lower it."""
    s = skill.astype(np.int8).copy()
    leaver = (stage == 0) & (age >= 16) & (age <= 30) & (s == NO_LABOUR) & ((grade == 0) | (grade >= 3))
    s[leaver] = np.where(np.isin(education[leaver], _TRAINED), SKILLED, ORDINARY)
    s[(age >= 60) & (s == SKILLED)] = ORDINARY
    s[(age >= 70) & (s == ORDINARY)] = WEAK
    s[chronic & (s == SKILLED)] = ORDINARY
    s[(grade >= 3) & (s < WEAK)] = WEAK
    s[(grade >= 1) & (grade <= 2)] = NO_LABOUR
    s[(stage > 0) | (age < 16) | (age > 75)] = NO_LABOUR
    return s


class StatusCollection:
    """Yearly records of changed member attributes, collected during the simulation."""

    def __init__(self, seed: int | list[int]):
        entropy = [*seed, 5150] if isinstance(seed, list) else [seed, 5150]
        self.rng = np.random.default_rng(np.random.SeedSequence(entropy))
        self.school = np.empty(0, dtype=np.int8)   # last recorded values per member
        self.skill = np.empty(0, dtype=np.int8)
        self.rows: list[tuple[np.ndarray, ...]] = []

    def collect(self, sim: Simulation, m: int) -> None:
        n = sim.people.n
        k = self.school.size
        if n > k:  # members added since the last collection: their registration values
            self.school = np.concatenate([self.school, sim.people.in_school[k:n]])
            self.skill = np.concatenate([self.skill, sim.people.labor_skill[k:n]])
        ms, ml = int(sim.cal.month_day[m]), int(sim.cal.month_len[m])
        visit = ms + self.rng.integers(0, ml, len(sim.regions.county_code))
        p = sim.people.present()
        day = visit[sim.hh.county[sim.people.household[p]]]
        p, day = p[sim.people.joined[p] <= day], day[sim.people.joined[p] <= day]
        age = int(sim.cal.month_year[m]) - sim.people.birth_year[p]
        stage = school_stage(age, sim.people.school_track[p])
        skill = labour_capacity(self.skill[p], age, stage, sim.people.education[p], sim.people.disability_grade[p], sim.people.chronic[p])
        changed = (stage != self.school[p]) | (skill != self.skill[p])
        p, day, stage, skill = p[changed], day[changed], stage[changed], skill[changed]
        self.school[p] = stage
        self.skill[p] = skill
        lo, hi = LAG["member_status"]
        reported = day + self.rng.integers(lo, hi + 1, p.size)
        self.rows.append((p.astype(np.int64), day.astype(np.int64), stage, skill, reported.astype(np.int64)))

    def arrays(self) -> dict[str, np.ndarray]:
        cols = ("member", "effective", "in_school", "skill", "reported")
        if not self.rows:
            return {c: np.empty(0, dtype=np.int64) for c in cols}
        return {c: np.concatenate([r[i] for r in self.rows]) for i, c in enumerate(cols)}
