"""riskmodel: early warning of rural households at risk of (re)falling into poverty.

The package has no side effects at import time: no folders are created, no logging is
configured and no MLflow URI is set until a job asks for it.
"""

__version__ = "0.1.0"


class RiskmodelWarning(UserWarning):
    """Warnings raised by riskmodel itself (the test suite turns them into errors)."""


__all__ = ["RiskmodelWarning", "__version__"]
