// 提交申请: the process's start form; on success the new case's key is shown.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { v2 } from './api.js';
import { CamundaForm } from './camunda-form.js';
import { latestDefinition } from './diagram.js';

const PROCEDURE = 'exemption-procedure';

export function StartPage() {
  const [definition, setDefinition] = useState(null);
  const [form, setForm] = useState(null);
  const [problem, setProblem] = useState('');
  const [started, setStarted] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    (async () => {
      try {
        const found = await latestDefinition(PROCEDURE);
        if (!found) throw new Error('尚未部署容错免责办理流程（exemption-procedure）。');
        setDefinition(found);
        setForm(await v2.get(`/process-definitions/${found.processDefinitionKey}/form`));
      } catch (error) {
        setProblem(error.message);
      }
    })();
  }, []);

  async function start(values) {
    setBusy(true);
    setProblem('');
    try {
      const created = await v2.post('/process-instances', {
        processDefinitionKey: definition.processDefinitionKey,
        variables: values,
      });
      setStarted(String(created.processInstanceKey));
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<section aria-labelledby="start-title">
    <h1 id="start-title">登记书面申请</h1>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${started
      ? html`<p class="notice ok" role="status">申请已登记（流程实例 ${started}），系统将审查申请并编号。</p>`
      : form && html`<${CamundaForm} schema=${form.schema} data=${{}} submitLabel="提交申请" busy=${busy} onSubmit=${start} />`}
  </section>`;
}
