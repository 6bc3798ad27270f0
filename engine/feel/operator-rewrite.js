// feelin's operators are closures inside its interpreter that cannot be extended without
// forking it. Where Zeebe's FEEL defines an operator differently, the expression is
// rewritten — along feelin's own parse tree, so precedence and multi-word names are exactly
// as feelin sees them — into calls of context functions, e.g. `a * b` becomes
// `__zeebeMultiply((a), (b))`. The functions handle the cases feelin gets wrong and hand
// every other operand pair back to feelin's operator, so its results and warnings stay.
import { evaluate, parseExpression } from 'feelin';

// Warnings of the operations handed back to feelin, collected for the enclosing evaluation.
let pendingWarnings = [];

export function takeDelegatedWarnings() {
  const warnings = pendingWarnings;
  pendingWarnings = [];
  return warnings;
}

export function addDelegatedWarning(warning) {
  pendingWarnings.push(warning);
}

export function byFeelin(operator, left, right) {
  const result = evaluate(`left ${operator} right`, { left, right });
  pendingWarnings.push(...result.warnings);
  return result.value;
}

export function children(node) {
  const out = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    out.push(child);
  }
  return out;
}

function hasError(tree) {
  let error = false;
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        error = true;
      }
      return !error;
    },
  });
  return error;
}

// rules: {nodeName: {operatorText: (left, right) => text}} for binary nodes
// [left, operator, right]; the operands are rewritten first.
function render(expression, node, rules) {
  const parts = children(node);
  const byOperator = rules[node.name];
  if (byOperator && parts.length === 3) {
    const rewrite = byOperator[expression.slice(parts[1].from, parts[1].to)];
    if (rewrite) {
      return rewrite(render(expression, parts[0], rules), render(expression, parts[2], rules));
    }
  }
  if (parts.length === 0) {
    return expression.slice(node.from, node.to);
  }
  // The text between nodes (whitespace, punctuation, keywords) is kept as written.
  let out = expression.slice(node.from, parts[0].from);
  parts.forEach((child, i) => {
    out += render(expression, child, rules);
    const next = i + 1 < parts.length ? parts[i + 1].from : node.to;
    out += expression.slice(child.to, next);
  });
  return out;
}

// `context` must already hold the helpers: the names in it shape how feelin parses.
export function rewriteOperators(expression, context, dialect, rules, mayApply) {
  if (!mayApply.test(expression)) {
    return expression;
  }
  const tree = parseExpression(expression, context, dialect);
  if (hasError(tree)) {
    return expression; // feelin reports the syntax error on the original text
  }
  return render(expression, tree.topNode, rules);
}
