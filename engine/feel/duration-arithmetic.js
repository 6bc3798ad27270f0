// Zeebe's FEEL multiplies and divides durations (duration * number, number * duration,
// duration / number, duration / duration); feelin 8.2 only numbers. Semantics:
// https://docs.camunda.io/docs/components/modeler/feel/language-guide/feel-temporal-expressions/
import { FeelDuration } from 'feelin';
import { Temporal } from 'temporal-polyfill';

import { byFeelin } from './operator-rewrite.js';

const MS_PER_DAY = 86_400_000;

function totalMonths(d) {
  const v = d.unwrap();
  return v.years * 12 + v.months;
}

function totalMs(d) {
  const v = d.unwrap();
  return (
    v.days * MS_PER_DAY +
    v.hours * 3_600_000 +
    v.minutes * 60_000 +
    v.seconds * 1000 +
    v.milliseconds +
    v.microseconds / 1000 +
    v.nanoseconds / 1_000_000
  );
}

// Whole months, as a years-months duration cannot hold a fraction of one.
function yearsMonths(months) {
  const whole = Math.trunc(months);
  const sign = whole < 0 ? -1 : 1;
  const abs = Math.abs(whole);
  const value = new Temporal.Duration(sign * Math.trunc(abs / 12), sign * (abs % 12));
  return new FeelDuration(value, true);
}

// Normalised like feelin's own durations (PT36H is P1DT12H), to the millisecond.
function daysTime(ms) {
  const whole = Math.round(ms);
  const sign = whole < 0 ? -1 : 1;
  let rest = Math.abs(whole);
  const [days, hours, minutes, seconds] = [MS_PER_DAY, 3_600_000, 60_000, 1000].map((unit) => {
    const count = Math.trunc(rest / unit);
    rest -= count * unit;
    return sign * count;
  });
  const value = new Temporal.Duration(0, 0, 0, days, hours, minutes, seconds, sign * rest);
  return new FeelDuration(value, false);
}

function scale(d, factor) {
  if (!Number.isFinite(factor)) {
    return null;
  }
  return d.yearsMonths ? yearsMonths(totalMonths(d) * factor) : daysTime(totalMs(d) * factor);
}

function ratio(a, b) {
  if (a.yearsMonths !== b.yearsMonths) {
    return null; // a years-months and a days-time duration are not commensurable
  }
  const divisor = a.yearsMonths ? totalMonths(b) : totalMs(b);
  if (divisor === 0) {
    return null;
  }
  return (a.yearsMonths ? totalMonths(a) : totalMs(a)) / divisor;
}

export function multiply(left, right) {
  if (typeof left === 'number' && typeof right === 'number') {
    return left * right; // the common case, kept off the slower path through feelin
  }
  if (left instanceof FeelDuration && typeof right === 'number') {
    return scale(left, right);
  }
  if (typeof left === 'number' && right instanceof FeelDuration) {
    return scale(right, left);
  }
  return byFeelin('*', left, right);
}

export function divide(left, right) {
  if (typeof left === 'number' && typeof right === 'number') {
    return right === 0 ? null : left / right;
  }
  if (left instanceof FeelDuration && typeof right === 'number') {
    return right === 0 ? null : scale(left, 1 / right);
  }
  if (left instanceof FeelDuration && right instanceof FeelDuration) {
    return ratio(left, right);
  }
  return byFeelin('/', left, right);
}
