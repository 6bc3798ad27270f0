"""DMN decisions for the engine: parsing DMN XML into an immutable DRG and evaluating it."""

from engine.dmn.errors import DecisionError, DmnParseError
from engine.dmn.evaluation import DecisionResult, DecisionTrace, evaluate_decision
from engine.dmn.model import (
    Aggregation,
    Decision,
    DecisionKind,
    DecisionRequirements,
    DecisionTable,
    HitPolicy,
    Input,
    LiteralExpression,
    Output,
    Rule,
)
from engine.dmn.parser import parse_dmn

__all__ = [
    "Aggregation",
    "Decision",
    "DecisionError",
    "DecisionKind",
    "DecisionRequirements",
    "DecisionResult",
    "DecisionTable",
    "DecisionTrace",
    "DmnParseError",
    "HitPolicy",
    "Input",
    "LiteralExpression",
    "Output",
    "Rule",
    "evaluate_decision",
    "parse_dmn",
]
