"""Synthetic household panels that stand in for departmental data (see docs/calibration.md).

``generate(config)`` is pure and returns typed contract frames, the truth table and the
policy; ``write`` puts them in a data directory atomically; ``generate_to`` does both.
The generator never imports features, labels, rules or model code: it must not know what
the model looks at.
"""

from __future__ import annotations

from riskmodel.synth.config import SCENARIOS, SynthConfig
from riskmodel.synth.generate import SynthResult, generate, generate_to, write

__all__ = ["SCENARIOS", "SynthConfig", "SynthResult", "generate", "generate_to", "write"]
