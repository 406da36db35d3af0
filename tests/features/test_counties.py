"""Features of a county-partitioned directory, one county at a time: the same table as the whole panel's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.contract import ContractError, counties, load
from riskmodel.features import build_features
from riskmodel.features.counties import features_by_county, is_partitioned, unique_households

AS_OF = "2024-06-30"


def test_county_by_county_equals_the_whole_panel(synth_dir, synth_parts_dir, synth_panel):
    assert is_partitioned(synth_parts_dir) and not is_partitioned(synth_dir)
    assert len(counties(synth_parts_dir)) > 1
    loaded = []

    def loader(data_dir, county=None):
        loaded.append(county)
        return load(data_dir, county=county)

    table = features_by_county(synth_parts_dir, AS_OF, loader=loader)
    assert loaded == counties(synth_parts_dir)  # never the whole panel
    pd.testing.assert_frame_equal(table, build_features(synth_panel, AS_OF))


def test_the_command_writes_the_same_file_for_both_layouts(synth_dir, synth_parts_dir, tmp_path):
    runner = CliRunner()
    for name, data in (("single", synth_dir), ("parts", synth_parts_dir)):
        result = runner.invoke(app, ["features", str(data), "--as-of", AS_OF, "--out", str(tmp_path / f"{name}.parquet")])
        assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "parts.parquet"), pd.read_parquet(tmp_path / "single.parquet"))


def test_a_household_in_two_counties_is_a_contract_error():
    frame = pd.DataFrame({"household_id": ["H1", "H2", "H1"], "region_code": ["370303", "370303", "370304"]})
    with pytest.raises(ContractError) as err:
        unique_households(frame)
    (problem,) = err.value.problems.examples
    assert (problem.table, problem.column, problem.value, problem.rule) == ("households", "household_id", "H1",
                                                                           "duplicate_key")


@pytest.mark.parametrize("rows", [1, 2, 3, 1000])
def test_a_provinces_repeated_ids_are_found_as_sorted_neighbours_whatever_the_run_length(rows):
    import pyarrow as pa
    import pyarrow.compute as pc

    from riskmodel.features.counties import check_unique_ids

    ids = pa.chunked_array([pa.array(["H7", "H2", "H9", "H5"]), pa.array(["H1", "H9", "H3", "H2", "H2"])])
    with pytest.raises(ContractError) as err:
        check_unique_ids(ids, pc.sort_indices(ids).to_numpy(), rows=rows)
    assert [p.value for p in err.value.problems.examples] == ["H2", "H9"]  # each named once, in id order
    unique = pa.chunked_array([pa.array(["H3", "H1"]), pa.array(["H2"])])
    check_unique_ids(unique, pc.sort_indices(unique).to_numpy(), rows=rows)  # nothing repeated: no error
    check_unique_ids(pa.chunked_array([], pa.string()), np.zeros(0, dtype=np.int64), rows=rows)
