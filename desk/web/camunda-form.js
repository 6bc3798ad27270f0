// A Camunda form rendered by form-js (its FEEL conditions and validation included).
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Form } from '@bpmn-io/form-js-viewer';
import { memo } from 'preact/compat';
import { graphemeLengths } from './form-lengths.js';
import { keepFormChinese, withTodayPrefilled } from './form-dates.js';
import { chineseMessages } from './form-messages.js';
import { literalFormText } from './form-text.js';

// form-js runs its own Preact inside this div: ours must never re-render it, or the
// form's DOM and its state part ways (a checkbox then stops toggling).
const FormHost = memo(({ hostRef }) => html`<div ref=${hostRef}></div>`, () => true);

// Calls onSubmit(data) only when form-js finds no field errors; errors stay shown on the fields.
export function CamundaForm({ schema, data, submitLabel, onSubmit, disabled, busy }) {
  const container = useRef(null);
  const form = useRef(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    const instance = new Form({ container: container.current, additionalModules: [chineseMessages, literalFormText, graphemeLengths] });
    form.current = instance;
    let parsed;
    try {
      parsed = typeof schema === 'string' ? JSON.parse(schema) : schema;
    } catch {
      setProblem('表单定义不是有效的 JSON，无法显示。');
      return () => instance.destroy();
    }
    // The summary of refused fields goes once the officer edits; form-js keeps the field marks.
    instance.on('changed', () => setProblem(''));
    const stopLocalising = keepFormChinese(container.current);
    instance.importSchema(parsed, withTodayPrefilled(parsed, data || {})).catch((error) => {
      setProblem(`表单无法显示：${error.message || error}`);
    });
    return () => {
      stopLocalising();
      instance.destroy();
    };
  }, [schema]);
  useEffect(() => {
    if (form.current) form.current.setProperty('disabled', Boolean(disabled));
  }, [disabled, schema]);

  function submit(event) {
    event.preventDefault();
    const { data: values, errors } = form.current.submit();
    const fields = Object.keys(errors || {});
    if (fields.length > 0) {
      setProblem(`有 ${fields.length} 项填写不符合要求，请按红色提示修改后再提交。`);
      return;
    }
    setProblem('');
    onSubmit(values);
  }

  return html`<div class="camunda-form">
    <${FormHost} hostRef=${container} />
    <button type="button" class="primary" onClick=${submit} disabled=${disabled || busy}>
      ${busy ? '正在提交…' : submitLabel}
    </button>
    ${/* below the button, so its appearing never moves the button under the mouse */ ''}
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
  </div>`;
}
