"""The input data contract: schema, loader, validator and policy parameters."""

from riskmodel.contract.io import Report, counties, load, load_truth, validate_dir
from riskmodel.contract.panel import Panel, member_attributes
from riskmodel.contract.plausible import text_rule
from riskmodel.contract.policy import Policy, load_policy
from riskmodel.contract.schema import CATEGORIES, CATEGORY_ZH, RISK_TYPES, RULES, TABLES, Column, Table
from riskmodel.contract.validate import ContractError, Problem, Problems, empty_frame
from riskmodel.contract.writers import atomic_dir, write_county, write_panel, write_table

__all__ = [
    "CATEGORIES", "CATEGORY_ZH", "RISK_TYPES", "RULES", "TABLES", "Column", "ContractError", "Panel",
    "Policy", "Problem", "Problems", "Report", "Table", "atomic_dir", "counties", "empty_frame", "load",
    "load_policy", "load_truth", "member_attributes", "text_rule", "validate_dir",
    "write_county", "write_panel", "write_table",
]
