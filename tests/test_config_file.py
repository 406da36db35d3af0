"""Hand-written YAML files that cannot be read are a ``ValueError`` naming the file, whichever reads them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from riskmodel.cli.app import app
from riskmodel.config_file import read_yaml
from riskmodel.contract.policy import POLICY_FILE, load_policy
from riskmodel.monitoring.capacity import Capacity
from riskmodel.monitoring.weekly import WeeklyConfig
from riskmodel.training.config import TrainConfig

BAD = {
    "a folder": ("is a folder, not a YAML file", None),
    "not UTF-8": ("not UTF-8 text (byte 0); save it as UTF-8", b"\xff\xfeshare: 1\n"),
    "broken YAML": ("not valid YAML", b"share: [\n"),
}
READERS = {
    "read_yaml": read_yaml,
    "capacity": Capacity.load,
    "weekly thresholds": WeeklyConfig.load,
    "training recipe": TrainConfig.load,
    "policy.yaml": lambda path: load_policy(path.parent),
}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("reader", list(READERS))
def test_a_file_that_cannot_be_read_is_named(tmp_path, reader, bad):
    says, content = BAD[bad]
    path = tmp_path / POLICY_FILE  # the name load_policy looks for; the others take any path
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"^{POLICY_FILE}: .*") as err:
        READERS[reader](path)
    assert says in str(err.value)


def test_an_empty_file_is_an_empty_document(tmp_path):
    (tmp_path / "e.yaml").write_text("", encoding="utf-8")
    assert read_yaml(tmp_path / "e.yaml") is None
    assert TrainConfig.load(tmp_path / "e.yaml") == TrainConfig()


def test_a_command_names_the_file_instead_of_a_traceback(tmp_path):
    (tmp_path / "capacity.yaml").mkdir()
    result = CliRunner().invoke(app, ["weekly", str(tmp_path), "--as-of", "2024-06-30", "--out", str(tmp_path / "w"),
                                      "--capacity", str(tmp_path / "capacity.yaml"), "--no-store"])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == "error: capacity.yaml: is a folder, not a YAML file"
