"""The input data contract: schema, loader, validator and policy parameters."""

from riskmodel.contract.io import Panel, Report, atomic_dir, load, load_truth, validate_dir, write_panel, write_table
from riskmodel.contract.policy import Policy, load_policy
from riskmodel.contract.schema import CATEGORIES, CATEGORY_ZH, RISK_TYPES, RULES, TABLES, Column, Table
from riskmodel.contract.validate import ContractError, Problem, Problems, empty_frame

__all__ = [
    "CATEGORIES", "CATEGORY_ZH", "RISK_TYPES", "RULES", "TABLES", "Column", "ContractError", "Panel",
    "Policy", "Problem", "Problems", "Report", "Table", "atomic_dir", "empty_frame", "load", "load_policy",
    "load_truth", "validate_dir", "write_panel", "write_table",
]
