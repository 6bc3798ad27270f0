// Zeebe's FEEL compares only values of the same type: `"text" >= 3` is null there, while
// feelin 8.2 answers true. Operands that both have a known, different type compare as null
// here too (with a warning); everything else is compared as feelin compares it.
// https://docs.camunda.io/docs/components/modeler/feel/language-guide/feel-boolean-expressions/
import { feelType } from './feel-types.js';
import { addDelegatedWarning, byFeelin } from './operator-rewrite.js';

function sign(ordered) {
  return ordered.less ? -1 : ordered.greater ? 1 : 0;
}

// -1, 0 or 1 as `left` is less than, equal to or greater than `right`; null if incomparable.
// The rewrite turns `a < b` into `__zeebeCompare((a), (b)) < 0`: that stays a comparison in
// feelin's eyes, which matters where feelin looks at the kind of node (a filter `[item > 1]`
// is a test per item only when its expression is a comparison).
export function compareValues(left, right) {
  const leftType = feelType(left);
  const rightType = feelType(right);
  if (leftType !== null && rightType !== null && leftType !== rightType) {
    return incomparable(`a ${leftType} with a ${rightType}`);
  }
  // Numbers and strings order as in JavaScript; kept off the slower path through feelin.
  if (leftType === rightType && (leftType === 'number' || leftType === 'string')) {
    return sign({ less: left < right, greater: left > right });
  }
  try {
    const less = byFeelin('<', left, right);
    if (typeof less !== 'boolean') {
      return null;
    }
    const greater = less ? false : byFeelin('>', left, right);
    return typeof greater === 'boolean' ? sign({ less, greater }) : null;
  } catch (_error) {
    // feelin throws for orderings it has no range for (booleans, lists, contexts);
    // Zeebe's answer to an unsupported comparison is null.
    return incomparable(`${leftType ? `a ${leftType}` : 'these values'} by order`);
  }
}

function incomparable(what) {
  addDelegatedWarning({ type: 'NOT_COMPARABLE', message: `Can't compare ${what}` });
  return null;
}
