// The operators whose Zeebe semantics feelin lacks, wired into the operator rewrite.
import { divide, multiply } from './duration-arithmetic.js';
import { rewriteOperators } from './operator-rewrite.js';
import { compareValues } from './typed-comparison.js';

export const OPERATOR_FUNCTIONS = Object.freeze({
  __zeebeMultiply: multiply,
  __zeebeDivide: divide,
  __zeebeCompare: compareValues,
});

const call = (helper) => (left, right) => `${helper}((${left}), (${right}))`;
const ordering = (operator) => (left, right) =>
  `__zeebeCompare((${left}), (${right})) ${operator} 0`;

const RULES = {
  ArithmeticExpression: { '*': call('__zeebeMultiply'), '/': call('__zeebeDivide') },
  Comparison: {
    '<': ordering('<'),
    '<=': ordering('<='),
    '>': ordering('>'),
    '>=': ordering('>='),
  },
};

// Cheap pre-check: most expressions (names, paths, `=` tests) need no parse of their own.
const MAY_APPLY = /[*/<>]/;

// `context` must already hold OPERATOR_FUNCTIONS.
export function withZeebeOperators(expression, context, dialect) {
  return rewriteOperators(expression, context, dialect, RULES, MAY_APPLY);
}
