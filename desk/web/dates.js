// The desk's one way of writing dates and times: 2026年12月16日, 2026年12月16日 10:56, always in
// Beijing time (Asia/Shanghai), whatever the browser's own time zone or language. Every page
// and the form date pickers format through here, so an officer reads one format everywhere.

export const TIME_ZONE = 'Asia/Shanghai';

const PARTS = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

// A plain calendar day (a form's date field, "2026-09-01") is a day, not an instant: it is
// written as it is, never moved by a time zone.
const PLAIN_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function beijingParts(date) {
  const parts = {};
  for (const part of PARTS.formatToParts(date)) parts[part.type] = part.value;
  return parts;
}

function toDate(value) {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value !== 'string' || !value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

// Official documents write months and days without a leading zero: 2026年9月1日.
function writtenDay(year, month, day) {
  return `${Number(year)}年${Number(month)}月${Number(day)}日`;
}

// 2026年12月16日 for an instant (in Beijing) or a plain day; '—' when there is none.
export function formatDay(value) {
  if (value === null || value === undefined || value === '') return '—';
  const plain = typeof value === 'string' && PLAIN_DAY.exec(value);
  if (plain) return writtenDay(plain[1], plain[2], plain[3]);
  const date = toDate(value);
  if (!date) return String(value);
  const parts = beijingParts(date);
  return writtenDay(parts.year, parts.month, parts.day);
}

// 2026年12月16日 10:56 (Beijing time) for an instant; a plain day stays a day.
export function formatDateTime(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string' && PLAIN_DAY.test(value)) return formatDay(value);
  const date = toDate(value);
  if (!date) return String(value);
  const parts = beijingParts(date);
  return `${writtenDay(parts.year, parts.month, parts.day)} ${parts.hour}:${parts.minute}`;
}

// Today in Beijing as a plain day, "2026-12-16" (what form-js stores for a date field).
export function todayInBeijing(now = new Date()) {
  const parts = beijingParts(now);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

// A plain day for an instant, in Beijing ("2026-12-16").
export function beijingDay(value) {
  const date = toDate(value);
  if (!date) return '';
  const parts = beijingParts(date);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

// Reads what an officer types into a date field: 2026年12月16日, 2026-12-16, 2026/12/16,
// 2026.12.16 or 20261216. Gives a local-midnight Date (what a calendar widget holds) or null.
export function parseDay(text) {
  const written = String(text || '').trim();
  const match =
    /^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?$/.exec(written) ||
    /^(\d{4})(\d{2})(\d{2})$/.exec(written);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return date;
}

// A calendar widget's local-midnight Date written as a Chinese day.
export function formatLocalDay(date) {
  return writtenDay(date.getFullYear(), date.getMonth() + 1, date.getDate());
}
