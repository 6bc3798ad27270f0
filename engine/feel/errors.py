"""The one failure type of FEEL evaluation."""


class FeelError(Exception):
    """Parse or evaluation failure; message names the expression and the cause."""

    def __init__(self, expression: str, cause: str) -> None:
        super().__init__(f"failed to evaluate FEEL expression '{expression}': {cause}")
        self.expression = expression
        self.cause = cause
