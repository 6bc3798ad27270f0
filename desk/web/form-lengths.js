// Length limits counted as people count characters. form-js counts UTF-16 code units, so an
// emoji counts as 2 (a family emoji as 11) and an officer at "最多 200 个字" is refused at 199.
// This module wraps form-js's validator: its own length messages are replaced by ones counted in
// grapheme clusters (Intl.Segmenter), everything else it checks is kept.
const segmenter = new Intl.Segmenter('zh-CN', { granularity: 'grapheme' });

export function characterCount(text) {
  let count = 0;
  for (const _ of segmenter.segment(String(text))) count += 1;
  return count;
}

const MESSAGES = {
  minLength: 'Field must have minimum length of {value}.',
  maxLength: 'Field must have maximum length of {value}.',
};

function GraphemeLengths(validator, formFieldRegistry, translate) {
  const codeUnitCheck = validator.validateFieldInstance.bind(validator);
  validator.validateFieldInstance = (fieldInstance, value) => {
    const errors = codeUnitCheck(fieldInstance, value);
    const validate = formFieldRegistry.get(fieldInstance.id)?.validate || {};
    // Limits written as FEEL expressions are left to form-js as they are.
    const limits = Object.keys(MESSAGES).filter((name) => typeof validate[name] === 'number');
    if (limits.length === 0 || typeof value !== 'string') return errors;
    const messages = Object.fromEntries(limits.map((name) => [name, translate(MESSAGES[name], { value: String(validate[name]) })]));
    const kept = errors.filter((error) => !Object.values(messages).includes(error));
    const count = characterCount(value.trim());
    if (value && 'minLength' in messages && count < validate.minLength) kept.push(messages.minLength);
    if (value && 'maxLength' in messages && count > validate.maxLength) kept.push(messages.maxLength);
    return kept;
  };
}
GraphemeLengths.$inject = ['validator', 'formFieldRegistry', 'translate'];

export const graphemeLengths = {
  __init__: ['graphemeLengths'],
  graphemeLengths: ['type', GraphemeLengths],
};
