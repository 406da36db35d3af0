"""Every stage module under riskmodel.cli is registered: none is skipped because it failed to import."""

from __future__ import annotations

import pkgutil

import riskmodel.cli
from riskmodel.cli import app as app_mod


def test_every_stage_module_with_register_is_a_stage():
    names = {m.name for m in pkgutil.iter_modules(riskmodel.cli.__path__)} - {"app"}
    staged = {m.__name__.rsplit(".", 1)[1] for m in app_mod.STAGES}
    modules = {n for n in names if hasattr(__import__(f"riskmodel.cli.{n}", fromlist=["register"]), "register")}
    assert staged == modules
