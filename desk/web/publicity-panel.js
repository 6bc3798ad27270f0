// 公示期 (Art. 8(3)): the publicity's start, last working day and end, with its notice, shown on
// the case page, the task page and the publicity page from the day the period starts. The period
// lives in the case's `publicity` stage until it ends, so it is read there, not on the root.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { v2, variablesByName } from './api.js';

const PERIOD_VARIABLES = ['publicityStartDate', 'publicityLastWorkingDay', 'publicityEndsAt', 'publicityAnnouncementDocument', 'caseNumber'];

// 2026-10-13 → 2026年10月13日
export function chineseDay(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ''));
  return match ? `${Number(match[1])}年${Number(match[2])}月${Number(match[3])}日` : '—';
}

async function rootOf(instanceKey) {
  let instance = await v2.get(`/process-instances/${instanceKey}`);
  const seen = new Set([instance.processInstanceKey]);
  while (instance.parentProcessInstanceKey && !seen.has(instance.parentProcessInstanceKey)) {
    seen.add(instance.parentProcessInstanceKey);
    instance = await v2.get(`/process-instances/${instance.parentProcessInstanceKey}`);
  }
  return instance;
}

// Every publicity of the given cases (a case publishes again after a re-investigation), latest
// first, with the variables of its period.
export async function loadPublicities(filter) {
  const stages = await v2.searchAll('/process-instances/search', { filter: { processDefinitionId: 'publicity', ...filter } });
  if (stages.length === 0) return [];
  const keys = stages.map((stage) => stage.processInstanceKey);
  const variables = await v2.searchAll('/variables/search', { filter: { processInstanceKey: { $in: keys }, name: { $in: PERIOD_VARIABLES } } });
  return stages
    .map((stage) => ({
      stage,
      caseKey: stage.parentProcessInstanceKey || stage.processInstanceKey,
      ...variablesByName(variables.filter((item) => item.processInstanceKey === stage.processInstanceKey)),
    }))
    .sort((a, b) => String(b.stage.startDate).localeCompare(String(a.stage.startDate)));
}

export function periodText(found) {
  if (!found.publicityEndsAt) return '公示起始日尚未确定';
  return `自${chineseDay(found.publicityStartDate)}次日起至${chineseDay(found.publicityLastWorkingDay)}24时止（7个工作日）`;
}

// The engine's timer ends the period (on the engine's clock), so the stage's state says whether
// the publicity still runs; the browser's clock is not asked.
export function periodState(found) {
  if (!found.publicityEndsAt) return '待安排';
  return found.stage.state === 'ACTIVE' ? '公示中' : '公示已结束';
}

export function AnnouncementLink({ found }) {
  if (!found.publicityAnnouncementDocument) return html`<span class="muted">公示公告尚未生成</span>`;
  return html`<a href=${`/documents/${found.stage.processInstanceKey}/publicityAnnouncementDocument`} target="_blank" rel="noopener">公示公告（新窗口打开）</a>`;
}

// The panel for one case, from any instance of it (the root on the case page, a stage on a task).
export function PublicityPeriod({ instanceKey }) {
  const [found, setFound] = useState(undefined);
  useEffect(() => {
    let live = true;
    rootOf(instanceKey)
      .then((root) => loadPublicities({ parentProcessInstanceKey: root.processInstanceKey }))
      .then((all) => live && setFound(all[0] || null), () => live && setFound(null));
    return () => { live = false; };
  }, [instanceKey]);
  if (!found) return null;
  return html`<section class="publicity-period" aria-labelledby=${`publicity-${instanceKey}`}>
    <h2 id=${`publicity-${instanceKey}`}>公示期</h2>
    <dl class="summary">
      <div><dt>状态</dt><dd data-testid="publicity-state">${periodState(found)}</dd></div>
      <div><dt>公示期</dt><dd data-testid="publicity-period">${periodText(found)}</dd></div>
      <div><dt>公示公告</dt><dd><${AnnouncementLink} found=${found} /></dd></div>
    </dl>
  </section>`;
}
