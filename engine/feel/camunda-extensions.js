// Built-in functions that Zeebe's FEEL engine (feel-scala, "Camunda Extension" in the docs)
// has and feelin 8.2 lacks. They reach feelin through its supported extension point: functions
// in the evaluation context. The context also teaches feelin's parser the multi-word names
// ("get or else" would otherwise be a syntax error, since `or` is a keyword).
//
// Semantics follow https://docs.camunda.io/docs/components/modeler/feel/builtin-functions/
// (feel-built-in-functions-boolean, feel-built-in-functions-temporal).
import { FeelDate, FeelDateTime, FeelFunction } from 'feelin';

// Thrown to make the whole evaluation fail (Zeebe raises an incident), which is what
// assert() promises; feelin lets exceptions from context functions propagate.
export class FeelAssertionFailure extends Error {}

function isNull(value) {
  return value === null || value === undefined;
}

// Since Camunda 8.4 `is defined(null)` is false: a missing variable and a null one are alike.
function isDefined(value) {
  return !isNull(value);
}

function getOrElse(value, fallback) {
  return isNull(value) ? (isNull(fallback) ? null : fallback) : value;
}

function assertCondition(value, condition, cause) {
  if (condition === true) {
    return value;
  }
  const reason = typeof cause === 'string' ? cause : 'The condition is not fulfilled';
  throw new FeelAssertionFailure(`assert() failed: ${reason}`);
}

// The result is a date for both a date and a date-time argument, as in feel-scala.
function lastDayOfMonth(value) {
  let plain;
  if (value instanceof FeelDate) {
    plain = value.unwrap();
  } else if (value instanceof FeelDateTime) {
    plain = value.unwrap().toPlainDate();
  } else {
    return null;
  }
  return new FeelDate(plain.with({ day: plain.daysInMonth }));
}

// Parameter names are explicit so that named invocation (`get or else(value: x, default: 1)`)
// works as documented; JavaScript would otherwise derive them from the source.
export const CAMUNDA_FUNCTIONS = Object.freeze({
  'is defined': new FeelFunction(isDefined, ['value']),
  'get or else': new FeelFunction(getOrElse, ['value', 'default']),
  assert: new FeelFunction(assertCondition, ['value', 'condition', 'cause']),
  'last day of month': new FeelFunction(lastDayOfMonth, ['date']),
});
