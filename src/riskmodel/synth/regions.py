"""Administrative layout: counties → townships → villages with 12-digit 统计用区划代码 and Chinese names.

Codes follow the national pattern (province 2 + prefecture 2 + county 2, township 3,
village 3) under a Shandong-like prefix (37 = Shandong, prefectures from 03, each with counties
21–99, so a province-sized panel of hundreds of counties spans several prefectures); they are
plausible in shape, not real places. Names (县/镇/乡/村/社区) are drawn from common
place-name parts with their own random stream, so they are fixed by the seed and leave
every other table unchanged; they are unique among siblings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PROVINCE = "37"
FIRST_PREFECTURE = 3
#: County digits run 21–99 within a prefecture; the next county opens the next prefecture.
FIRST_COUNTY = 21
COUNTIES_PER_PREFECTURE = 100 - FIRST_COUNTY

# Parts of North China place names (山东 style): first characters and generic endings.
_COUNTY_A = tuple("沂蒙汶泗莒郯博桓齐鲁峄滕邹阜宁蓬栖莱昌乐临高平金嘉鱼东")
_COUNTY_B = tuple("水山阳城安平源河南丰州宁亭川")
_TOWN_A = tuple("青石柳桃杏梨枣龙凤金银玉清平安和兴福寿太永长明光华丰泰仁义德胜利宁阳")
_TOWN_B = tuple("山岭泉河湖溪川峰湾坪桥庄集店营口村原庙")
_VILLAGE_A = tuple("东西南北前后上下大小新老高张王李刘陈杨赵黄周吴徐孙马朱胡郭何林罗宋郑谢韩唐冯于董程曹袁许沈彭吕苏卢蒋蔡贾丁魏薛")
_VILLAGE_B = ("家庄", "家村", "家洼", "家岭", "家沟", "家河", "家集", "家营", "家屯", "家寨", "家湾", "家峪", "家楼",
              "庄", "河", "岭", "沟", "店", "营", "屯", "寨", "湾", "峪", "泉", "坡", "桥", "庙", "园", "堡", "坊", "埠")
TOWNSHIP_XIANG_SHARE = 0.2   # 乡 rather than 镇
VILLAGE_COMMUNITY_SHARE = 0.06  # 社区 (settlements, town seats) rather than 村


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


def county_codes(counties: int) -> list[str]:
    """Six-digit county codes: 370321 … 370399, then 370421 …"""
    last_prefecture = FIRST_PREFECTURE + max(counties - 1, 0) // COUNTIES_PER_PREFECTURE
    if last_prefecture > 99:
        raise ValueError(f"{counties} counties do not fit the province's two-digit prefecture codes")
    return [f"{PROVINCE}{FIRST_PREFECTURE + i // COUNTIES_PER_PREFECTURE:02d}{FIRST_COUNTY + i % COUNTIES_PER_PREFECTURE:02d}"
            for i in range(counties)]


def build_regions(counties: int, townships_per_county: int, villages_per_township: int) -> Regions:
    c = np.arange(counties)
    county_code = np.array(county_codes(counties))
    t_county = np.repeat(c, townships_per_county)
    t_local = np.tile(np.arange(townships_per_county), counties)
    township_code = np.array([f"{county_code[ci]}{100 + ti:03d}" for ci, ti in zip(t_county, t_local)])
    v_town = np.repeat(np.arange(len(township_code)), villages_per_township)
    v_local = np.tile(np.arange(villages_per_township), len(township_code))
    village_code = np.array([f"{township_code[ti]}{201 + vi:03d}" for ti, vi in zip(v_town, v_local)])
    return Regions(county_code, township_code, t_county, village_code, v_town)


def _unique_names(rng: np.random.Generator, k: int, first: tuple[str, ...], second: tuple[str, ...],
                  taken: set[str]) -> list[str]:
    """``k`` names first+second not in ``taken``; a third character once the pairs run out."""
    out: list[str] = []
    while len(out) < k:
        name = first[rng.integers(len(first))] + second[rng.integers(len(second))]
        if len(taken) >= len(first) * len(second) // 2:
            name = first[rng.integers(len(first))] + name
        if name not in taken:
            taken.add(name)
            out.append(name)
    return out


def region_names(regions: Regions, seed: int) -> pd.DataFrame:
    """The ``regions`` table (region_code, name, level, parent_code): counties, townships, villages."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 6060]))
    counties = [n + "县" for n in _unique_names(rng, len(regions.county_code), _COUNTY_A, _COUNTY_B, set())]
    towns: list[str] = []
    for ci in range(len(regions.county_code)):
        k = int((regions.township_county == ci).sum())
        stems = _unique_names(rng, k, _TOWN_A, _TOWN_B, set())
        xiang = rng.random(k) < TOWNSHIP_XIANG_SHARE
        towns += [s + ("乡" if x else "镇") for s, x in zip(stems, xiang)]
    villages: list[str] = []
    for ti in range(len(regions.township_code)):
        k = int((regions.village_township == ti).sum())
        stems = _unique_names(rng, k, _VILLAGE_A, _VILLAGE_B, set())
        community = rng.random(k) < VILLAGE_COMMUNITY_SHARE
        villages += [s + ("社区" if c else "村") for s, c in zip(stems, community)]
    codes = [*regions.county_code, *regions.township_code, *regions.village_code]
    return pd.DataFrame({
        "region_code": pd.Series(codes, dtype=pd.StringDtype("pyarrow")),
        "name": pd.Series([*counties, *towns, *villages], dtype=pd.StringDtype("pyarrow")),
        "level": pd.Categorical(["county"] * len(counties) + ["township"] * len(towns) + ["village"] * len(villages),
                                categories=["county", "township", "village"]),
        "parent_code": pd.Series([pd.NA] * len(counties) + list(regions.county_code[regions.township_county])
                                 + list(regions.township_code[regions.village_township]),
                                 dtype=pd.StringDtype("pyarrow")),
    })
