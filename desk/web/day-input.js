// A date field outside form-js (dashboard period, training clock): the same Chinese calendar
// as in the forms (form-dates.js sets flatpickr's defaults), holding a plain day "2026-12-16".
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import 'flatpickr/dist/flatpickr.css';
import flatpickr from 'flatpickr';
import { DATE_PLACEHOLDER } from './form-dates.js';

// The calendar's day as the officer picked it (local midnight), written as a plain day.
function plainDay(date) {
  const two = (number) => String(number).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

export function DayInput({ label, value, onChange }) {
  const input = useRef(null);
  const picker = useRef(null);
  useEffect(() => {
    picker.current = flatpickr(input.current, {
      allowInput: true,
      defaultDate: value || undefined,
      onChange: ([date]) => onChange(date ? plainDay(date) : ''),
    });
    return () => picker.current.destroy();
  }, []);
  useEffect(() => {
    if (picker.current && value) picker.current.setDate(value, false);
  }, [value]);
  return html`<label>${label}<input ref=${input} type="text" class="day-input" placeholder=${DATE_PLACEHOLDER} /></label>`;
}
