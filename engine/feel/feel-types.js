// The FEEL type of a value as far as operators care, shared by the guards that make
// feelin return null where Zeebe's FEEL does for operands of different types.
import { FeelDate, FeelDateTime, FeelDuration, FeelTime } from 'feelin';

// null for null and for values not classified here (lists, contexts, functions, ranges),
// which the guards then leave to feelin.
export function feelType(value) {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof FeelDate) return 'date';
  if (value instanceof FeelDateTime) return 'date and time';
  if (value instanceof FeelTime) return 'time';
  if (value instanceof FeelDuration) {
    return value.yearsMonths ? 'years and months duration' : 'days and time duration';
  }
  return null;
}
