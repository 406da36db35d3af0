"""The province's scored rows kept on disk, ranked over all partitions from compact arrays."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from riskmodel.contract import ContractError
from riskmodel.listing import ListPolicy, bands, ranked
from riskmodel.monitoring.province import ProvinceScores
from riskmodel.monitoring.writers import write_scores


def partitions(seed=0, sizes=(9, 5, 12)):
    """Score frames of three counties, scores with ties inside and across partitions."""
    rng = np.random.default_rng(seed)
    frames, start = [], 0
    for k, n in enumerate(sizes):
        ids = rng.permutation(np.arange(start, start + n)) * 7 % 1000
        frames.append(pd.DataFrame({
            "household_id": pd.array([f"H{i:04d}" for i in ids], dtype="string[pyarrow]"),
            "region_code": [f"37032{k}100{j % 3:03d}" for j in range(n)],
            "score": rng.choice([0.1, 0.25, 0.5, 0.75], size=n),
            "probability": rng.random(n), "rank": np.arange(1, n + 1), "band": ["low"] * n,
            "category": np.array(["edge", "sudden"], dtype=object)[rng.integers(0, 2, n)],
            "projected_income": rng.random(n),
        }))
        start += n
    return frames


def expected(frames, share=0.1):
    whole = ranked(pd.concat(frames, ignore_index=True))
    whole["rank"] = np.arange(1, len(whole) + 1)
    whole["band"] = bands(whole["rank"].to_numpy(), len(whole), ListPolicy(capacity_share=share))
    cols = ["household_id", "region_code", "score", "probability", "rank", "band", "category"]
    return whole[cols].astype({"household_id": object, "region_code": object})


def kept(frames, share=0.1, **kw):
    province = ProvinceScores(share, **kw)
    numbers = [province.add(f) for f in frames]
    return province.finish(), numbers


def test_rows_come_back_in_the_rank_order_of_the_whole_province_in_chunks_of_any_size():
    frames = partitions()
    with kept(frames)[0] as province:
        for rows in (1, 4, 7, 100):
            got = pd.concat([c.to_pandas() for c in province.rank_chunks(rows)], ignore_index=True)
            pd.testing.assert_frame_equal(got, expected(frames))


def test_household_chunks_hold_the_same_rows_in_household_id_order():
    frames = partitions(seed=1)
    with kept(frames)[0] as province:
        got = pd.concat([c.to_pandas() for c in province.household_chunks(5)], ignore_index=True)
    want = expected(frames).sort_values("household_id", ignore_index=True)
    pd.testing.assert_frame_equal(got, want)


def test_ranks_of_the_numbered_rows_are_their_province_ranks():
    frames = partitions(seed=2)
    province, numbers = kept(frames)
    with province:
        whole = expected(frames).set_index("household_id")["rank"]
        for frame, nums in zip(frames, numbers):
            assert province.ranks(nums).tolist() == whole.loc[frame["household_id"].astype(str)].tolist()


def test_without_a_share_the_partitions_own_bands_stand():
    frames = partitions(seed=3)
    with kept(frames, share=None)[0] as province:
        got = pd.concat([c.to_pandas() for c in province.rank_chunks()], ignore_index=True)
    assert set(got["band"]) == {"low"}
    assert got["rank"].tolist() == list(range(1, 27))


def test_a_household_in_two_partitions_is_a_contract_error_naming_it():
    a, b = partitions(seed=4, sizes=(4, 4))[:2]
    b.loc[2, "household_id"] = a.loc[1, "household_id"]
    province = ProvinceScores(0.1)
    province.add(a)
    province.add(b)
    with pytest.raises(ContractError, match=str(a.loc[1, "household_id"])):
        province.finish()
    province.close()


def test_the_files_live_in_the_given_folder_until_closed(tmp_path):
    province, _ = kept(partitions(), folder=tmp_path)
    (spill,) = list(tmp_path.iterdir())
    assert len(list(spill.glob("part-*.arrow"))) == 3
    province.close()
    assert list(tmp_path.iterdir()) == []


def test_scores_parquet_reads_back_as_plain_text_columns_whatever_the_frames_held(tmp_path):
    frames = partitions(seed=5)
    frames[1] = frames[1].astype({"household_id": object, "region_code": object})  # Python strings
    frames[2]["household_id"] = frames[2]["household_id"].astype(pd.ArrowDtype(pa.large_string()))
    frames[0].loc[0, "category"] = None
    with kept(frames)[0] as province:
        write_scores(province.rank_chunks(10), tmp_path / "scores.parquet")
    assert set(pq.read_schema(tmp_path / "scores.parquet").types) == {pa.string(), pa.float64(), pa.int64()}
    assert pq.read_schema(tmp_path / "scores.parquet").metadata is None
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "scores.parquet"), expected(frames))


def test_the_stores_chunks_are_the_household_order_a_store_chunk_at_a_time(monkeypatch):
    from riskmodel.monitoring import publish

    monkeypatch.setattr(publish, "STORE_ROWS", 4)
    with ProvinceScores(0.1) as province:
        for frame in partitions():
            province.add(frame)
        province.finish()
        chunks = list(publish._store_chunks(province))
        whole = pa.concat_tables(province.household_chunks()).to_pandas()
    assert [len(c) for c in chunks] == [4] * 6 + [2]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    assert whole["household_id"].is_monotonic_increasing
