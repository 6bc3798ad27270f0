// 登记申请: the process's start form; on success the case number the workers assign and a link
// to the case (never the engine's instance key, which means nothing to an officer).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { v2, variableValue } from './api.js';
import { CamundaForm } from './camunda-form.js';
import { latestDefinition } from './diagram.js';

// What the start page can open. 舆论解释回应 (Art. 19) is asked for from any case: it carries the
// origin case's number, and who asked, since that officer is told and closes it.
const PROCEDURES = {
  'exemption-procedure': { title: '登记书面申请', missing: '尚未部署容错免责办理流程。', done: '申请已登记' },
  // The engine shows a case to whoever has a task in it: the requester's task comes last, so
  // until then the page says where the case will reach them instead of waiting for its number.
  'public-opinion-response': {
    title: '申请舆论解释回应', missing: '尚未部署舆论解释回应流程。', done: '舆论解释回应申请已登记', requester: true,
    afterwards: '已转区委宣传部办理。回应作出后，舆情回应情况记录将送达您，本案将出现在您的待办任务中，由您确认办结。',
  },
};
const OTHER_STARTS = [['public-opinion-response', '申请舆论解释回应（第十九条）']];
// The workers number a case moments after it is registered; wait this long before saying so.
const NUMBERING_WAIT_MS = 15000;

async function caseNumberOf(processInstanceKey) {
  const deadline = Date.now() + NUMBERING_WAIT_MS;
  while (Date.now() < deadline) {
    const items = await v2.search('/variables/search', {
      filter: { processInstanceKey, name: 'caseNumber' },
    }).catch(() => []);
    const number = items.map(variableValue).find((value) => typeof value === 'string' && value);
    if (number) return number;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return '';
}

export function StartPage({ user, procedure, origin }) {
  const chosen = PROCEDURES[procedure] ? procedure : 'exemption-procedure';
  const about = PROCEDURES[chosen];
  const [definition, setDefinition] = useState(null);
  const [form, setForm] = useState(null);
  const [problem, setProblem] = useState('');
  const [started, setStarted] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    (async () => {
      try {
        const found = await latestDefinition(chosen);
        if (!found) throw new Error(about.missing);
        setDefinition(found);
        setForm(await v2.get(`/process-definitions/${found.processDefinitionKey}/form`));
      } catch (error) {
        setProblem(error.message);
      }
    })();
  }, [chosen]);

  async function start(values) {
    setBusy(true);
    setProblem('');
    try {
      const created = await v2.post('/process-instances', {
        processDefinitionKey: definition.processDefinitionKey,
        variables: about.requester
          ? { ...values, requestedByUser: user.username, requestedByName: user.displayName || user.username, requesterGroups: user.groups || [] }
          : values,
      });
      const key = String(created.processInstanceKey);
      setStarted({ key, number: null });
      if (!about.afterwards) setStarted({ key, number: await caseNumberOf(key) });
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  }

  const prefilled = chosen === 'public-opinion-response' && origin ? { originCaseNumber: origin } : {};
  return html`<section aria-labelledby="start-title">
    <h1 id="start-title">${about.title}</h1>
    <p class="muted">${chosen === 'exemption-procedure'
      ? OTHER_STARTS.map(([id, text]) => html`<a key=${id} href=${`#/start/${id}`}>${text}</a>`)
      : html`<a href="#/start">返回登记书面申请</a>`}</p>
    ${problem && html`<p class="notice error" role="alert">${problem}</p>`}
    ${started
      ? html`<div class="notice ok" role="status">
          ${about.afterwards ? html`<p>${about.done}。${about.afterwards}</p>` : started.number === null
            ? html`<p>${about.done}，正在编号…</p>`
            : started.number
              ? html`<p>${about.done}，受理编号：<strong class="case-number">${started.number}</strong>。</p>`
              : html`<p>${about.done}，受理编号稍后生成，可在本案页面查看。</p>`}
          ${!about.afterwards && html`<p><a href=${`#/case/${started.key}`}>查看本案</a></p>`}
        </div>`
      : form && html`<${CamundaForm} key=${chosen} schema=${form.schema} data=${prefilled} submitLabel="提交申请" busy=${busy} onSubmit=${start} />`}
  </section>`;
}
