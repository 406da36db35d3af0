"""Entry point of the MLproject: ``riskmodel train|compare|promote`` run from the repository root.

`mlflow run` starts the command in this folder with a run of its own (MLFLOW_RUN_ID); riskmodel
logs to its own experiments with its own runs, so the variable is cleared. MLflow passes path
parameters as absolute paths; the working directory becomes the repository root, where the demo
keeps mlflow.db, mlartifacts/ and alias_history.jsonl (riskmodel's defaults).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
command, *args = sys.argv[1:]
if "--cutoff" in args:
    i = args.index("--cutoff")
    if i + 1 < len(args) and not args[i + 1].strip():
        del args[i:i + 2]
os.environ.pop("MLFLOW_RUN_ID", None)
os.chdir(HERE.parent)

from riskmodel.cli.app import app  # noqa: E402 - after the working directory is set

app([command, *args])
