// Form text components interpolate case data ({{applicantName}}) into markdown that form-js then
// renders as HTML: an applicant's name could become a link, an image or emphasis. This module
// makes every interpolated value literal text: each value has its ASCII punctuation
// backslash-escaped (CommonMark renders an escaped character as itself, `<` and `&` as entities),
// before form-js's own Text view renders the markdown that the form's author wrote.
import { Text, useTemplateEvaluation } from '@bpmn-io/form-js-viewer';

const PUNCTUATION = /[!-/:-@[-`{-~]/g;

export function escapeMarkdown(value) {
  return String(value).replace(PUNCTUATION, (character) => `\\${character}`);
}

// form-js writes each value with FEEL's string(): a value the case does not hold yet reads
// "null", a yes/no "true"/"false". Officers read them in Chinese.
const FEEL_WORDS = { null: '—', true: '是', false: '否' };

function literalValue(value) {
  const text = String(value);
  return Object.hasOwn(FEEL_WORDS, text) ? FEEL_WORDS[text] : escapeMarkdown(text);
}

function LiteralValuesText(props) {
  const { field } = props;
  const text = useTemplateEvaluation(field.text || '', {
    debug: true,
    strict: Boolean(field.strict),
    sanitizer: literalValue,
  });
  // The evaluated text holds no template any more: an escaped value cannot spell `{{`.
  return Text({ ...props, field: { ...field, text } });
}
LiteralValuesText.config = Text.config;

function registerLiteralValuesText(formFields) {
  formFields.register('text', LiteralValuesText);
}
registerLiteralValuesText.$inject = ['formFields'];

export const literalFormText = {
  __init__: ['literalFormText'],
  literalFormText: ['type', registerLiteralValuesText],
};
