// Zeebe's FEEL engine (feel-scala) says a comparison of values of different types is null,
// and a DMN rule whose input entry is null does not match. feelin 8.2 instead compares such
// values (`"text" >= 3` is true there), and its operators are closures we cannot reach
// without forking it. For DMN input entries the types are checkable from outside: the
// endpoints of `< x`, `[a..b]` and literal entries are plain expressions, evaluated here on
// their own and compared by FEEL type with the input. Only when some endpoint's type differs
// is the entry decided here, test by test with FEEL's three-valued logic; otherwise feelin
// decides the whole entry, so every other behaviour stays feelin's own.
import { evaluate, parseUnaryTests, unaryTest } from 'feelin';

import { feelType } from './feel-types.js';
import { children } from './operator-rewrite.js';

const LITERALS = new Set(['NumericLiteral', 'StringLiteral', 'BooleanLiteral', 'DateTimeLiteral']);
const INTERVAL_PUNCTUATION = new Set(['[', ']', '(', ')', '..']);

// The nodes whose values the input is compared with, for one PositiveUnaryTest.
function endpointsOf(positiveTest) {
  const [first] = children(positiveTest);
  if (!first) {
    return [];
  }
  if (LITERALS.has(first.name)) {
    return [first];
  }
  if (first.name !== 'SimplePositiveUnaryTest') {
    return [];
  }
  const parts = children(first);
  if (parts[0] && parts[0].name === 'CompareOp') {
    return parts.slice(1);
  }
  if (parts[0] && parts[0].name === 'Interval') {
    return children(parts[0]).filter((n) => !INTERVAL_PUNCTUATION.has(n.name));
  }
  return [];
}

function mismatches(test, node, inputType, context, dialect) {
  return endpointsOf(node).some((endpoint) => {
    const text = test.slice(endpoint.from, endpoint.to);
    let endpointType;
    try {
      endpointType = feelType(evaluate(text, context, dialect).value);
    } catch (_error) {
      return false; // feelin reports the failure when it evaluates the entry itself
    }
    return endpointType !== null && endpointType !== inputType;
  });
}

function anyOf(results) {
  if (results.includes(true)) return true;
  if (results.includes(null)) return null;
  return false;
}

// Same contract as feelin's unaryTest: {value, warnings}.
export function guardedUnaryTest(test, context, dialect) {
  const inputType = feelType(context['?']);
  if (inputType === null) {
    return unaryTest(test, context, dialect);
  }
  const top = parseUnaryTests(test, context, dialect).topNode;
  const parts = children(top);
  const negated = parts.length > 0 && parts[0].name === 'not';
  const list = parts.find((n) => n.name === 'PositiveUnaryTests');
  if (!list) {
    return unaryTest(test, context, dialect);
  }
  const positives = children(list).filter((n) => n.name === 'PositiveUnaryTest');
  const guarded = positives.map((n) => mismatches(test, n, inputType, context, dialect));
  if (!guarded.includes(true)) {
    return unaryTest(test, context, dialect);
  }
  const warnings = [];
  const results = positives.map((node, i) => {
    if (guarded[i]) {
      warnings.push({
        type: 'NOT_COMPARABLE',
        message: `Can't compare the input of type ${inputType} with '${test.slice(node.from, node.to)}'`,
      });
      return null;
    }
    const single = unaryTest(test.slice(node.from, node.to), context, dialect);
    warnings.push(...single.warnings);
    return single.value === true ? true : single.value === false ? false : null;
  });
  const combined = anyOf(results);
  return { value: negated && combined !== null ? !combined : combined, warnings };
}
