"""Reading DMN XML (1.1 to 1.5, as Camunda Modeler writes it) into the immutable model."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from engine.dmn.errors import DmnParseError
from engine.dmn.model import (
    Aggregation,
    Decision,
    DecisionRequirements,
    DecisionTable,
    HitPolicy,
    Input,
    LiteralExpression,
    Output,
    Rule,
)
from engine.limits import MAX_RESOURCE_BYTES

DMN_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",  # DMN 1.1
        "http://www.omg.org/spec/DMN/20180521/MODEL/",  # DMN 1.2
        "https://www.omg.org/spec/DMN/20191111/MODEL/",  # DMN 1.3
        "https://www.omg.org/spec/DMN/20211108/MODEL/",  # DMN 1.4
        "https://www.omg.org/spec/DMN/20230324/MODEL/",  # DMN 1.5
    }
)


def parse_dmn(xml: bytes, resource_name: str) -> DecisionRequirements:
    root = _parse_xml(xml, resource_name)
    namespace, local = _split(root.tag)
    if local != "definitions" or namespace not in DMN_NAMESPACES:
        raise DmnParseError(
            f"'{resource_name}': root element is <{root.tag}>, expected a DMN <definitions> "
            f"element in one of the namespaces {sorted(DMN_NAMESPACES)}"
        )
    reader = _Reader(namespace, resource_name)
    definitions_id = reader.required_id(root, "definitions")
    decisions = tuple(reader.decision(el) for el in root.findall(reader.tag("decision")))
    if not decisions:
        raise DmnParseError(f"'{resource_name}': definitions '{definitions_id}' has no decision")
    _check_requirements(decisions, resource_name)
    return DecisionRequirements(
        id=definitions_id,
        name=root.get("name") or definitions_id,
        namespace=root.get("namespace") or "",
        resource_name=resource_name,
        decisions=decisions,
    )


def _parse_xml(xml: bytes, resource_name: str) -> ET.Element:
    if not isinstance(xml, bytes | bytearray):
        raise DmnParseError(f"'{resource_name}': expected the resource as bytes")
    if len(xml) > MAX_RESOURCE_BYTES:
        raise DmnParseError(
            f"'{resource_name}': {len(xml)} bytes exceeds the limit of {MAX_RESOURCE_BYTES}"
        )
    # xml.etree expands internal entities (billion laughs); DMN never needs a DTD.
    upper = bytes(xml).upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise DmnParseError(f"'{resource_name}': DOCTYPE and entity declarations are refused")
    try:
        return ET.fromstring(xml)
    except ET.ParseError as exc:
        raise DmnParseError(f"'{resource_name}': not well-formed XML: {exc}") from None


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _check_requirements(decisions: tuple[Decision, ...], resource_name: str) -> None:
    known = {d.id: d for d in decisions}
    if len(known) != len(decisions):
        seen: set[str] = set()
        for d in decisions:
            if d.id in seen:
                raise DmnParseError(f"'{resource_name}': duplicate decision id '{d.id}'")
            seen.add(d.id)
    for d in decisions:
        for required in d.required_decisions:
            if required not in known:
                raise DmnParseError(
                    f"'{resource_name}': decision '{d.id}' requires unknown decision '{required}'"
                )
    # A cycle would make evaluation recurse forever; reject it at deployment.
    state: dict[str, int] = {}

    def visit(decision_id: str, path: tuple[str, ...]) -> None:
        if state.get(decision_id) == 2:
            return
        if state.get(decision_id) == 1:
            cycle = " -> ".join((*path, decision_id))
            raise DmnParseError(f"'{resource_name}': decision requirements form a cycle: {cycle}")
        state[decision_id] = 1
        for required in known[decision_id].required_decisions:
            visit(required, (*path, decision_id))
        state[decision_id] = 2

    for d in decisions:
        visit(d.id, ())


class _Reader:
    def __init__(self, namespace: str, resource_name: str) -> None:
        self._ns = namespace
        self._resource = resource_name

    def tag(self, local: str) -> str:
        return f"{{{self._ns}}}{local}"

    def fail(self, element_id: str, problem: str) -> DmnParseError:
        return DmnParseError(f"'{self._resource}': element '{element_id}': {problem}")

    def required_id(self, element: ET.Element, what: str, parent: str | None = None) -> str:
        element_id = (element.get("id") or "").strip()
        if not element_id:
            where = f" in '{parent}'" if parent else ""
            raise DmnParseError(f"'{self._resource}': <{what}>{where} has no id attribute")
        return element_id

    def text(self, element: ET.Element | None) -> str:
        if element is None:
            return ""
        text_el = element.find(self.tag("text"))
        return (text_el.text or "").strip() if text_el is not None else ""

    def decision(self, element: ET.Element) -> Decision:
        decision_id = self.required_id(element, "decision")
        required = []
        for requirement in element.findall(self.tag("informationRequirement")):
            ref = requirement.find(self.tag("requiredDecision"))
            if ref is None:
                continue  # requiredInput: input data comes from the variables
            href = (ref.get("href") or "").strip()
            if not href.startswith("#") or len(href) < 2:
                raise self.fail(
                    decision_id, f"requiredDecision href '{href}' is not a local '#id' reference"
                )
            required.append(href[1:])
        variable = element.find(self.tag("variable"))
        variable_name = None
        if variable is not None:
            variable_name = (variable.get("name") or "").strip() or None
        name = element.get("name") or decision_id
        table_el = element.find(self.tag("decisionTable"))
        literal_el = element.find(self.tag("literalExpression"))
        if table_el is not None:
            return Decision(
                id=decision_id,
                name=name,
                kind="DECISION_TABLE",
                required_decisions=tuple(required),
                variable_name=variable_name,
                table=self.decision_table(table_el, decision_id),
                literal=None,
            )
        if literal_el is not None:
            text = self.text(literal_el)
            if not text:
                raise self.fail(decision_id, "literal expression has no <text>")
            return Decision(
                id=decision_id,
                name=name,
                kind="LITERAL_EXPRESSION",
                required_decisions=tuple(required),
                variable_name=variable_name,
                table=None,
                literal=LiteralExpression(id=literal_el.get("id") or decision_id, text=text),
            )
        raise self.fail(
            decision_id,
            "decision has neither a decisionTable nor a literalExpression (other DMN "
            "expression kinds are not supported)",
        )

    def decision_table(self, element: ET.Element, decision_id: str) -> DecisionTable:
        table_id = element.get("id") or decision_id
        raw_policy = (element.get("hitPolicy") or "UNIQUE").strip()
        try:
            hit_policy = HitPolicy(raw_policy)
        except ValueError:
            raise self.fail(
                table_id,
                f"unknown hitPolicy '{raw_policy}', expected one of {[p.value for p in HitPolicy]}",
            ) from None
        raw_aggregation = (element.get("aggregation") or "").strip()
        aggregation: Aggregation | None = None
        if raw_aggregation:
            try:
                aggregation = Aggregation(raw_aggregation)
            except ValueError:
                raise self.fail(
                    table_id,
                    f"unknown aggregation '{raw_aggregation}', expected one of "
                    f"{[a.value for a in Aggregation]}",
                ) from None
            if hit_policy is not HitPolicy.COLLECT:
                raise self.fail(
                    table_id,
                    f"aggregation is only allowed with hit policy COLLECT, not {raw_policy}",
                )
        inputs = tuple(self.input(el, table_id) for el in element.findall(self.tag("input")))
        outputs = tuple(self.output(el, table_id) for el in element.findall(self.tag("output")))
        if not outputs:
            raise self.fail(table_id, "decision table has no output")
        if len(outputs) > 1:
            for output in outputs:
                if not output.name:
                    raise self.fail(
                        output.id, "an output of a multi-output decision table needs a name"
                    )
            if aggregation is not None:
                raise self.fail(table_id, "aggregation needs a single-output decision table")
        rules = tuple(
            self.rule(el, index, table_id, len(inputs), len(outputs))
            for index, el in enumerate(element.findall(self.tag("rule")), start=1)
        )
        return DecisionTable(
            id=table_id,
            hit_policy=hit_policy,
            aggregation=aggregation,
            inputs=inputs,
            outputs=outputs,
            rules=rules,
        )

    def input(self, element: ET.Element, table_id: str) -> Input:
        input_id = self.required_id(element, "input", table_id)
        expression = self.text(element.find(self.tag("inputExpression")))
        if not expression:
            raise self.fail(input_id, "input has no inputExpression text")
        return Input(id=input_id, label=element.get("label") or expression, expression=expression)

    def output(self, element: ET.Element, table_id: str) -> Output:
        output_id = self.required_id(element, "output", table_id)
        values = self.text(element.find(self.tag("outputValues")))
        default = self.text(element.find(self.tag("defaultOutputEntry"))) or None
        name = (element.get("name") or "").strip()
        return Output(
            id=output_id,
            label=element.get("label") or name,
            name=name,
            priority_values=tuple(_split_literals(values)),
            default_entry=default,
        )

    def rule(
        self, element: ET.Element, index: int, table_id: str, n_inputs: int, n_outputs: int
    ) -> Rule:
        rule_id = self.required_id(element, "rule", table_id)
        inputs = tuple(self.text(el) for el in element.findall(self.tag("inputEntry")))
        outputs = tuple(self.text(el) for el in element.findall(self.tag("outputEntry")))
        if len(inputs) != n_inputs:
            raise self.fail(rule_id, f"rule has {len(inputs)} input entries, table has {n_inputs}")
        if len(outputs) != n_outputs:
            raise self.fail(
                rule_id, f"rule has {len(outputs)} output entries, table has {n_outputs}"
            )
        return Rule(id=rule_id, index=index, input_entries=inputs, output_entries=outputs)


def _split_literals(values: str) -> list[str]:
    """'"high","low"' -> ['"high"', '"low"']: the priority list of PRIORITY / OUTPUT ORDER."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for char in values:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        items.append("".join(current).strip())
    return [item for item in items if item]
