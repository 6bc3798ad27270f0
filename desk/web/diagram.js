// A BPMN diagram (bpmn-js NavigatedViewer) with markers and count badges on elements.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { v2 } from './api.js';

const xmlCache = new Map();

export async function definitionXml(processDefinitionKey) {
  if (!xmlCache.has(processDefinitionKey)) {
    const response = await fetch(`/api/v2/process-definitions/${processDefinitionKey}/xml`, {
      credentials: 'same-origin',
      headers: { accept: 'text/xml' },
    });
    if (!response.ok) throw new Error(`无法读取流程图（${response.status}）`);
    xmlCache.set(processDefinitionKey, await response.text());
  }
  return xmlCache.get(processDefinitionKey);
}

export async function latestDefinition(processDefinitionId) {
  const items = await v2.search('/process-definitions/search', {
    filter: { processDefinitionId, isLatestVersion: true },
    sort: [{ field: 'version', order: 'DESC' }],
    page: { limit: 1 },
  });
  return items[0] || null;
}

// Labels drawn at least this large on screen (bpmn-js draws 12/11 px at scale 1).
const READABLE_TEXT = {
  defaultStyle: { fontSize: 13 },
  externalStyle: { fontSize: 12 },
};

// markers: {elementId: 'current' | 'done'}; badges: {elementId: number}
// readable: never shrink the diagram below scale 1 to fit (it scrolls instead), so its labels
// stay legible; onSelect(elementId) follows a click on an element or its badge.
export function Diagram({ processDefinitionKey, markers = {}, badges = {}, label, readable = false, onSelect }) {
  const container = useRef(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    if (!processDefinitionKey) return undefined;
    const viewer = new NavigatedViewer({ container: container.current, ...(readable ? { textRenderer: READABLE_TEXT } : {}) });
    let live = true;
    definitionXml(processDefinitionKey)
      .then((xml) => viewer.importXML(xml))
      .then(() => {
        if (!live) return;
        const canvas = viewer.get('canvas');
        const registry = viewer.get('elementRegistry');
        const overlays = viewer.get('overlays');
        canvas.zoom('fit-viewport', 'auto');
        if (readable && canvas.zoom() < 1) {
          canvas.zoom(1);
          const box = canvas.viewbox();
          canvas.viewbox({ ...box, x: box.inner.x - 20, y: box.inner.y - 30 });
        }
        if (onSelect) viewer.get('eventBus').on('element.click', (event) => onSelect(event.element.id));
        for (const [elementId, kind] of Object.entries(markers)) {
          if (registry.get(elementId)) canvas.addMarker(elementId, `desk-${kind}`);
        }
        for (const [elementId, count] of Object.entries(badges)) {
          if (!registry.get(elementId) || !count) continue;
          const badge = document.createElement('span');
          badge.className = 'desk-badge';
          badge.textContent = String(count);
          badge.setAttribute('aria-label', `${count} 件`);
          if (onSelect) badge.addEventListener('click', () => onSelect(elementId));
          overlays.add(elementId, { position: { top: -12, right: 12 }, html: badge });
        }
      })
      .catch((error) => {
        // bpmn-js explains in English; officers get one Chinese sentence, the console the rest.
        console.warn('流程图无法显示', error);
        if (live) setProblem(/[\u4e00-\u9fff]/.test(String(error.message)) ? error.message : '流程图无法显示。');
      });
    return () => {
      live = false;
      viewer.destroy();
    };
  }, [processDefinitionKey, JSON.stringify(markers), JSON.stringify(badges)]);
  return html`<figure class="diagram-figure">
    <div class="diagram" ref=${container} role="img" aria-label=${label || '流程图'}></div>
    ${problem && html`<p class="notice error">${problem}</p>`}
  </figure>`;
}
