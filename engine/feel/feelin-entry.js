// Entry point bundled by esbuild (npm run build:feel) into feelin.bundle.js, which the
// Python side loads into one embedded V8 context. Everything crossing the boundary is a
// JSON string so that FEEL's own types (temporal values, ranges, functions) never leak
// into Python: they are converted here, where feelin's classes are known.
import {
  evaluate,
  FeelDate,
  FeelDateTime,
  FeelDuration,
  FeelTime,
  isFunction,
  isRange,
} from 'feelin';
import { Temporal } from 'temporal-polyfill';
import { CAMUNDA_FUNCTIONS } from './camunda-extensions.js';
import { guardedUnaryTest } from './unary-test-guard.js';
import { takeDelegatedWarnings } from './operator-rewrite.js';
import { OPERATOR_FUNCTIONS, withZeebeOperators } from './zeebe-operators.js';

// The engine owns the clock (timers are tested by moving it), so `now()` and `today()`
// must see the engine's instant and zone, not the host's. feelin reads them through
// Temporal.Now (native in recent V8, else temporal-polyfill's); both expose the same
// object, so its functions are wrapped to honour a per-call pinned instant and zone.
let pinnedNowMs = null;
let pinnedZone = null;
const temporalNow = Temporal.Now;
const hostNow = {
  instant: temporalNow.instant.bind(temporalNow),
  timeZoneId: temporalNow.timeZoneId.bind(temporalNow),
};
function currentInstant() {
  return pinnedNowMs === null
    ? hostNow.instant()
    : Temporal.Instant.fromEpochMilliseconds(pinnedNowMs);
}
function currentZone(zone) {
  if (zone !== undefined) {
    return zone;
  }
  return pinnedZone === null ? hostNow.timeZoneId() : pinnedZone;
}
function currentZoned(zone) {
  return currentInstant().toZonedDateTimeISO(currentZone(zone));
}
temporalNow.instant = () => currentInstant();
temporalNow.timeZoneId = () => currentZone();
temporalNow.zonedDateTimeISO = (zone) => currentZoned(zone);
temporalNow.plainDateTimeISO = (zone) => currentZoned(zone).toPlainDateTime();
temporalNow.plainDateISO = (zone) => currentZoned(zone).toPlainDate();
temporalNow.plainTimeISO = (zone) => currentZoned(zone).toPlainTime();

// Zeebe writes zoned date-times with a numeric offset; feelin keeps named zones as
// "@Area/City", so named zones are resolved to their offset at that instant.
function zonedIso(plain, zone) {
  if (zone === null) {
    return plain.toString();
  }
  if (/^[+-]\d\d:\d\d$/.test(zone) || zone === 'Z') {
    return plain.toString() + zone;
  }
  return plain
    .toZonedDateTime(zone)
    .toString({ timeZoneName: 'never', calendarName: 'never' });
}

function toPlain(value) {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  if (value instanceof FeelDate || value instanceof FeelDuration) {
    return value.toJSON();
  }
  if (value instanceof FeelDateTime) {
    return zonedIso(value.unwrap(), value.zone);
  }
  if (value instanceof FeelTime) {
    return value.zone === null ? value.unwrap().toString() : value.toJSON();
  }
  if (isFunction(value) || typeof value === 'function') {
    return null;
  }
  if (isRange(value)) {
    return {
      start: toPlain(value.start),
      end: toPlain(value.end),
      startIncluded: value['start included'],
      endIncluded: value['end included'],
    };
  }
  if (Array.isArray(value)) {
    return value.map(toPlain);
  }
  if (typeof value === 'object') {
    if (typeof value.toJSON === 'function') {
      return value.toJSON();
    }
    const out = {};
    for (const key of Object.keys(value)) {
      out[key] = toPlain(value[key]);
    }
    return out;
  }
  return null;
}

function describeFailure(error) {
  const position = error && error.position ? error.position : null;
  return {
    ok: false,
    // feelin's SyntaxError carries the offending input and position; nothing else does.
    syntax: Boolean(position && typeof error.input === 'string'),
    message: String(error && error.message ? error.message : error),
    position,
  };
}

// Camunda's dialect adds what Zeebe's FEEL accepts beyond the DMN standard (backtick names).
const DIALECT = 'camunda';

function run(requestJson, body) {
  const request = JSON.parse(requestJson);
  pinnedNowMs = typeof request.nowMs === 'number' ? request.nowMs : null;
  pinnedZone = typeof request.timeZone === 'string' ? request.timeZone : null;
  takeDelegatedWarnings();
  try {
    const result = body(request);
    const warnings = [...result.warnings, ...takeDelegatedWarnings()];
    return JSON.stringify({
      ok: true,
      value: toPlain(result.value),
      warnings: warnings.map((w) => ({ type: w.type, message: w.message })),
    });
  } catch (error) {
    return JSON.stringify(describeFailure(error));
  } finally {
    pinnedNowMs = null;
    pinnedZone = null;
  }
}

// Zeebe's extension functions win over variables of the same name: feel-scala resolves an
// invocation against its function provider, and a variable can hold no function anyway.
function withExtensions(variables) {
  return { ...variables, ...CAMUNDA_FUNCTIONS };
}

// request: {expression, variables, nowMs, timeZone}
export function evaluateJson(requestJson) {
  return run(requestJson, (r) => {
    const context = { ...withExtensions(r.variables), ...OPERATOR_FUNCTIONS };
    return evaluate(withZeebeOperators(r.expression, context, DIALECT), context, DIALECT);
  });
}

// request: {test, input, variables, nowMs, timeZone}; '?' is FEEL's name for the tested value.
export function unaryTestJson(requestJson) {
  return run(requestJson, (r) =>
    guardedUnaryTest(r.test, { ...withExtensions(r.variables), '?': r.input }, DIALECT),
  );
}
