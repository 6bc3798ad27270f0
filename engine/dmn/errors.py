"""Failures of reading and of evaluating DMN decisions."""


class DmnParseError(Exception):
    """A DMN resource that cannot be deployed; the message names the element and the problem."""


class DecisionError(Exception):
    """A decision that failed to evaluate; names the decision (and rule) at fault."""

    def __init__(self, decision_id: str, cause: str, *, rule_id: str | None = None) -> None:
        where = f"decision '{decision_id}'" + (f", rule '{rule_id}'" if rule_id else "")
        super().__init__(f"failed to evaluate {where}: {cause}")
        self.decision_id = decision_id
        self.rule_id = rule_id
        self.cause = cause
