// What the form schema cannot say about dates, said once for every form the desk renders.
//
// form-js builds its date picker on flatpickr with the browser's date pattern ("yyyy/mm/dd"),
// English month names, a Sunday-first week and English placeholders ("Select", "Search"); a
// Camunda form has no property for any of these. The desk bundles the one flatpickr that
// form-js uses, so flatpickr's global defaults (Chinese months, Monday first, our own
// format and parser) reach every date field; the placeholders are rewritten in the DOM.
import flatpickr from 'flatpickr';
import { Mandarin } from 'flatpickr/dist/l10n/zh.js';
import { formatLocalDay, parseDay, todayInBeijing } from './dates.js';

flatpickr.localize({ ...Mandarin, firstDayOfWeek: 1 });

// form-js passes its own dateFormat; formatDate and parseDate are read from the instance's
// config on every call, so setting them when the picker is ready wins over the pattern.
flatpickr.setDefaults({
  onReady: [
    function chineseDays(selectedDates, dateText, instance) {
      instance.config.formatDate = (date) => formatLocalDay(date);
      instance.config.parseDate = (text) => parseDay(text) || undefined;
      instance.config.ariaDateFormat = 'Y年n月j日';
      if (instance.input) instance.input.placeholder = DATE_PLACEHOLDER;
    },
  ],
});

export const DATE_PLACEHOLDER = '年/月/日，如 2026年1月5日';
const PLACEHOLDERS = { Search: '搜索', 'hh:mm': '时:分', 'hh:mm --': '时:分' };
const TEXTS = { Select: '请选择' };

function localise(root) {
  for (const input of root.querySelectorAll('.fjs-datepicker input')) {
    if (input.placeholder !== DATE_PLACEHOLDER) input.placeholder = DATE_PLACEHOLDER;
  }
  for (const input of root.querySelectorAll('input[placeholder]')) {
    const chinese = PLACEHOLDERS[input.placeholder];
    if (chinese) input.placeholder = chinese;
  }
  for (const element of root.querySelectorAll('.fjs-select-placeholder')) {
    const chinese = TEXTS[element.textContent.trim()];
    if (chinese) element.textContent = chinese;
  }
}

// Keeps the rendered form Chinese while form-js re-renders (a field shown by a condition,
// a select cleared back to its placeholder). Returns the function that stops watching.
export function keepFormChinese(root) {
  localise(root);
  const observer = new MutationObserver(() => localise(root));
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  return () => observer.disconnect();
}

// Date fields whose form says `"properties": {"prefill": "today"}` (a Camunda form's custom
// property) start at today's date in Beijing when the case holds no value yet.
export function withTodayPrefilled(schema, data) {
  const filled = { ...data };
  const today = todayInBeijing();
  const visit = (components) => {
    for (const component of components || []) {
      const wantsToday = component.type === 'datetime' && component.properties && component.properties.prefill === 'today';
      if (wantsToday && component.key && (filled[component.key] === undefined || filled[component.key] === null || filled[component.key] === '')) {
        filled[component.key] = today;
      }
      visit(component.components);
    }
  };
  visit(schema && schema.components);
  return filled;
}
