"""County by county (``riskmodel synth --partitioned``): the contract's partitioned layout,
deterministic files, every row in its household's county, the same rows as in memory."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.contract import Panel, load, load_truth
from riskmodel.synth import SynthConfig, generate
from riskmodel.synth.partitioned import write_partitioned

CONFIG = dict(households=900, start="2022-01-01", end="2022-12-31", seed=4, counties=3, partitioned=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("part")
    return write_partitioned(SynthConfig(**CONFIG), root / "a"), write_partitioned(SynthConfig(**CONFIG), root / "b")


@pytest.fixture(scope="module")
def written_in_process(tmp_path_factory):
    return write_partitioned(SynthConfig(**CONFIG), tmp_path_factory.mktemp("part") / "c", isolated=False)


def _files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def _read(folder, name):
    return pd.read_parquet(folder / name).assign(county=lambda d: d["county"].astype(str))


def test_same_config_gives_byte_identical_files(written):
    a, b = written
    assert _files(a) == _files(b)
    assert len(_files(a)) == 3 * 8 + 3  # 8 tables per county; regions, policy and truth once
    for f in _files(a):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_a_process_per_county_writes_the_same_files_as_one_process(written, written_in_process):
    a, c = written[0], written_in_process
    assert _files(a) == _files(c)
    for f in _files(a):
        assert (a / f).read_bytes() == (c / f).read_bytes(), f


def test_a_county_simulated_from_its_own_layout_is_the_county_of_the_whole_layout():
    """A county's process gets only its households' layout (``CountyLayout.of_county``)."""
    from riskmodel.synth.engine import county_layout, simulate

    config = SynthConfig(**CONFIG)
    layout = county_layout(config)
    for c in range(len(layout.regions.county_code)):
        whole, own = simulate(config, layout=layout, county=c), simulate(config, layout=layout.of_county(c), county=c)
        for name in ("households", "members", "truth"):
            for key, values in getattr(whole, name).items():
                assert np.array_equal(values, getattr(own, name)[key], equal_nan=values.dtype.kind == "f"), (c, name, key)


def test_each_county_runs_in_a_fresh_process_of_its_own():
    """Memory crept up county after county in one process; a process per county ends that."""
    from riskmodel.synth.partitioned import _county_runner

    with _county_runner(isolated=True) as run:
        pids = [run(_pid_of) for _ in range(3)]
    assert len(set(pids)) == 3 and os.getpid() not in pids
    with _county_runner(isolated=False) as run:
        assert run(_pid_of) == os.getpid()


def test_a_county_process_that_dies_is_named_and_nothing_is_written(tmp_path, monkeypatch):
    from riskmodel.synth import partitioned

    with pytest.raises(partitioned.CountyProcessError, match="ended abruptly"):
        with partitioned._county_runner(isolated=True) as run:
            run(os._exit, 1)

    real = partitioned._county_runner

    def dying(isolated):  # the runner of a generation whose second county's process is killed
        from contextlib import contextmanager

        @contextmanager
        def runner():
            with real(isolated) as run:
                calls = iter(range(99))
                yield lambda fn, *args: run(fn, *args) if next(calls) == 0 else run(os._exit, 9)
        return runner()

    monkeypatch.setattr(partitioned, "_county_runner", dying)
    res = CliRunner().invoke(app, ["synth", "--households", "900", "--partitioned", "--seed", "4",
                                   "--start", "2022-01-01", "--end", "2022-12-31", "--out", str(tmp_path / "p")])
    assert res.exit_code == 1, res.output
    assert "ended abruptly" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "p").exists() and not list(tmp_path.iterdir())


def _pid_of():
    return os.getpid()


def test_every_row_lies_in_its_households_county(written):
    a, _ = written
    hh = _read(a, "households")
    assert (hh["region_code"].str.slice(0, 6) == hh["county"]).all()
    county_of = hh.set_index("household_id")["county"]
    for name in ("income", "assistance", "events", "monitoring", "members"):
        df = _read(a, name)
        assert (county_of.reindex(df["household_id"]).to_numpy() == df["county"].to_numpy()).all(), name
    members = _read(a, "members").set_index("member_id")["county"]
    for name in ("medical_claims", "member_status"):
        df = _read(a, name)
        assert (members.reindex(df["member_id"]).to_numpy() == df["county"].to_numpy()).all(), name


def test_the_files_hold_the_in_memory_panel_which_follows_the_contract(written):
    a, _ = written
    result = generate(SynthConfig(**CONFIG))
    Panel.from_frames(result.tables, result.policy)
    for name in ("households", "members", "medical_claims", "events"):
        on_disk = _read(a, name)
        assert len(on_disk) == len(result.tables[name]), name
        key = on_disk.columns[0]
        assert on_disk[key].is_unique and set(on_disk[key]) == set(result.tables[name][key].astype(str)), name
    truth = load_truth(a)  # one file, a row group per county
    assert len(truth) == len(result.truth) == 900 * 12
    assert set(truth["household_id"]) == set(result.tables["households"]["household_id"].astype(str))
    panel = load(a)  # the contract's reader takes the partitioned layout
    assert len(panel.households) == 900 and len(panel.member_status) == len(result.tables["member_status"])


@pytest.mark.slow
def test_partitioned_panels_pass_the_calibration_of_their_size():
    """A deliberate change of output: other random streams, so the panel is checked again."""
    from riskmodel.synth.calibration import report

    table = report(generate(households=4000, start="2021-01-01", end="2024-12-31", seed=11, partitioned=True))
    bad = table.loc[~table["ok"], ["figure", "generated", "target", "tolerance"]]
    assert bad.empty, bad.to_string()


def test_cli_sets_the_number_of_counties(tmp_path):
    res = CliRunner().invoke(app, ["synth", "--households", "600", "--partitioned", "--counties", "4", "--seed", "4",
                                   "--start", "2022-01-01", "--end", "2022-06-30", "--out", str(tmp_path / "p")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "p" / "households").iterdir())) == 4


def test_cli_refuses_a_county_count_out_of_range(tmp_path):
    res = CliRunner().invoke(app, ["synth", "--households", "600", "--counties", "100", "--out", str(tmp_path / "p")])
    assert res.exit_code == 2
    assert "--counties" in res.output and "99" in res.output
    assert not (tmp_path / "p").exists()


def test_cli_refuses_csv_partitions(tmp_path):
    res = CliRunner().invoke(app, ["synth", "--households", "200", "--partitioned", "--format", "csv",
                                   "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "--partitioned" in res.output
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("partitioned", [True, False])
def test_cli_leaves_a_folder_of_other_files_as_it_was(tmp_path, partitioned):
    """Writing a panel replaces --out whole: a folder holding anything but a panel's files is refused, untouched."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    (out / "households.parquet").write_bytes(b"an old table")  # a panel's name, but the note is not
    res = CliRunner().invoke(app, ["synth", "--households", "200", "--seed", "4", "--start", "2022-01-01",
                                   "--end", "2022-06-30", "--out", str(out), *(["--partitioned"] if partitioned else [])])
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"error: {out} holds files that are not a panel's (notes.txt)")
    assert sorted(p.name for p in out.iterdir()) == ["households.parquet", "notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_panel_replaces_a_panel_of_the_other_layout(tmp_path):
    out = tmp_path / "p"
    cfg = SynthConfig(households=200, seed=4, start="2022-01-01", end="2022-06-30")
    write_partitioned(cfg, out, isolated=False)
    assert (out / "households").is_dir()
    from riskmodel.synth import write

    write(generate(cfg), out)
    assert (out / "households.parquet").is_file() and not (out / "households").exists()
    with pytest.raises(FileExistsError, match="exists and is not a folder"):
        write_partitioned(cfg, out / "households.parquet", isolated=False)
