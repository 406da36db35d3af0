"""Entry point of the MLproject: `riskmodel train` with an optional (possibly empty) cut-off.

`mlflow run` starts a run and passes its id in MLFLOW_RUN_ID; riskmodel logs to its own
experiment with its own run, so the variable is cleared before training.
"""

import os
import sys

from riskmodel.cli.app import app

args = sys.argv[1:]
if "--cutoff" in args:
    i = args.index("--cutoff")
    if i + 1 < len(args) and not args[i + 1].strip():
        del args[i:i + 2]
os.environ.pop("MLFLOW_RUN_ID", None)
app(["train", *args])
