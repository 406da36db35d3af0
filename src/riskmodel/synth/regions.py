"""Administrative layout: counties → townships → villages with 12-digit 统计用区划代码.

Codes follow the national pattern (province 2 + prefecture 2 + county 2, township 3,
village 3) under a Shandong-like prefix (37 = Shandong, 03 = a prefecture); they are
plausible in shape, not real places.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PREFIX = "3703"


@dataclass(frozen=True)
class Regions:
    county_code: np.ndarray      # (C,) str, 6 digits
    township_code: np.ndarray    # (T,) str, 9 digits
    township_county: np.ndarray  # (T,) int index into counties
    village_code: np.ndarray     # (V,) str, 12 digits
    village_township: np.ndarray  # (V,) int index into townships

    @property
    def village_county(self) -> np.ndarray:
        return self.township_county[self.village_township]


def build_regions(counties: int, townships_per_county: int, villages_per_township: int) -> Regions:
    c = np.arange(counties)
    county_code = np.array([f"{PREFIX}{21 + i:02d}" for i in c])
    t_county = np.repeat(c, townships_per_county)
    t_local = np.tile(np.arange(townships_per_county), counties)
    township_code = np.array([f"{county_code[ci]}{100 + ti:03d}" for ci, ti in zip(t_county, t_local)])
    v_town = np.repeat(np.arange(len(township_code)), villages_per_township)
    v_local = np.tile(np.arange(villages_per_township), len(township_code))
    village_code = np.array([f"{township_code[ti]}{201 + vi:03d}" for ti, vi in zip(v_town, v_local)])
    return Regions(county_code, township_code, t_county, village_code, v_town)
