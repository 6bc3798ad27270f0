// Reads a JSON array of FEEL expressions (without the leading "=") on stdin and prints, for each,
// the variable names it reads: feelin's own parser decides what is a name, so paths
// (a.b), function names, context keys and names bound by for/some/every are not reported.
import { parseExpression } from 'feelin';

function namesRead(expression) {
  const tree = parseExpression(expression, {}, undefined);
  const read = new Set();
  const bound = new Set();
  tree.iterate({
    enter(node) {
      const text = expression.slice(node.from, node.to);
      if (node.name === 'InExpression') {
        const name = node.node.firstChild;
        if (name) bound.add(expression.slice(name.from, name.to));
      }
      if (node.name === 'VariableName') {
        const parent = node.node.parent;
        const calledFunction =
          parent && parent.name === 'FunctionInvocation' && parent.firstChild.from === node.from;
        if (!calledFunction) read.add(text);
      }
      if (node.name === '⚠') read.add(`<syntax error at ${node.from}>`);
    },
  });
  return [...read].filter((name) => !bound.has(name)).sort();
}

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const expressions = JSON.parse(input);
  process.stdout.write(JSON.stringify(expressions.map(namesRead)));
});
