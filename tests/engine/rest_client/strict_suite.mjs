// Drives the engine's /v2 API with Camunda's own TypeScript REST client
// (@camunda8/orchestration-cluster-api), unchanged and configured only through the environment a
// user would set (CAMUNDA_REST_ADDRESS, CAMUNDA_AUTH_STRATEGY, CAMUNDA_SDK_VALIDATION=strict), so
// every request and every answer goes through the client's own 8.8 schema validation.
//
// Each client call is one check: a call expected to succeed must pass strict validation; a call
// expected to fail must fail with the expected HTTP status and an RFC 9457 problem body. The last
// stdout line (after RESULT_MARKER) lists every call; pytest asserts on it.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import createCamundaClient from '@camunda8/orchestration-cluster-api'

const RESULT_MARKER = 'REST_CLIENT_RESULT '
const CALL_BUDGET_MS = 15000
const here = dirname(fileURLToPath(import.meta.url))
const camunda = createCamundaClient()
const now = { consistency: { waitUpToMs: 0 } }
const calls = []

function within(promise, what) {
  let timer
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CALL_BUDGET_MS} ms`)), CALL_BUDGET_MS)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

// JSON.stringify cannot show the BigInt values the client makes of int64 fields.
const show = (value) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))

function describe(error) {
  return {
    error: error?.name,
    status: error?.status ?? error?.response?.status,
    title: error?.title,
    detail: error?.detail,
    message: String(error?.message ?? error).slice(0, 600),
    issues: error?.issues ? JSON.stringify(error.issues).slice(0, 1200) : undefined,
  }
}

// One client call that must succeed; `check` may add assertions on the answer.
async function call(name, run, check = () => {}) {
  let answer
  try {
    answer = await within(Promise.resolve().then(run), name)
    check(answer)
    calls.push({ name, ok: true })
  } catch (error) {
    calls.push({ name, ok: false, ...describe(error) })
  }
  return answer
}

// One client call that must fail with `status` and a problem body.
async function refused(name, status, run) {
  try {
    await within(Promise.resolve().then(run), name)
    calls.push({ name, ok: false, message: `expected HTTP ${status}, but the call succeeded` })
  } catch (error) {
    const seen = describe(error)
    const ok = seen.error === 'HttpSdkError' && seen.status === status && !!seen.title && !!seen.detail
    calls.push({ name, ok, expectedStatus: status, ...seen })
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message)
}

async function file(name, type) {
  return new File([await readFile(join(here, name))], name, { type })
}

async function main() {
  await call('getTopology', () => camunda.getTopology(), (t) => expect(t.brokers.length === 1, 'one broker'))
  await call('getAuthentication', () => camunda.getAuthentication())

  // -- deployments, definitions -------------------------------------------------------------------
  const deployment = await call(
    'createDeployment',
    async () =>
      camunda.createDeployment({
        resources: [
          await file('conformance-grade.dmn', 'application/xml'),
          await file('conformance-review.form', 'application/json'),
          await file('conformance-case.bpmn', 'application/xml'),
          await file('conformance-risky.bpmn', 'application/xml'),
        ],
      }),
    (d) => {
      // Zeebe's order: processes, decisions, decision requirements, forms.
      const kinds = d.deployments.map((m) => Object.keys(m).find((k) => m[k] !== undefined))
      expect(
        show(kinds) ===
          JSON.stringify(['processDefinition', 'processDefinition', 'decisionDefinition', 'decisionRequirements', 'form']),
        `deployment order ${show(kinds)}`,
      )
    },
  )
  const caseDefinition = deployment?.deployments.find(
    (m) => m.processDefinition?.processDefinitionId === 'conformance-case',
  )?.processDefinition
  const definitionKey = caseDefinition?.processDefinitionKey

  await call(
    'searchProcessDefinitions',
    () => camunda.searchProcessDefinitions({ filter: { processDefinitionId: 'conformance-case' } }, now),
    (r) => expect(r.items.length === 1 && r.items[0].versionTag === 'v1.0', `versionTag ${r.items[0]?.versionTag}`),
  )
  await call(
    'searchProcessDefinitions by versionTag',
    () => camunda.searchProcessDefinitions({ filter: { versionTag: 'v1.0' } }, now),
    (r) => expect(r.items.length === 1, `found ${r.items.length}`),
  )
  await call('getProcessDefinition', () => camunda.getProcessDefinition({ processDefinitionKey: definitionKey }, now))
  await call(
    'getProcessDefinitionXml',
    () => camunda.getProcessDefinitionXml({ processDefinitionKey: definitionKey }, now),
    (xml) => expect(String(xml).includes('conformance-case'), 'the deployed XML'),
  )
  await call(
    'getStartProcessForm',
    () => camunda.getStartProcessForm({ processDefinitionKey: definitionKey }, now),
    (f) => expect(f.formId === 'conformance-review', 'the start form'),
  )
  await refused('getProcessDefinition (unknown)', 404, () =>
    camunda.getProcessDefinition({ processDefinitionKey: '2251799813699999' }, now),
  )

  // -- instances ----------------------------------------------------------------------------------
  const created = await call('createProcessInstance', () =>
    camunda.createProcessInstance({
      processDefinitionId: 'conformance-case',
      variables: { caseId: 'C-1', amount: 5, note: 'x'.repeat(10000) },
    }),
  )
  const instance = created?.processInstanceKey
  await call(
    'getProcessInstance',
    () => camunda.getProcessInstance({ processInstanceKey: instance }, now),
    (p) => expect(p.state === 'ACTIVE' && p.processDefinitionVersionTag === 'v1.0', `instance ${show(p)}`),
  )
  await call('searchProcessInstances', () =>
    camunda.searchProcessInstances({ filter: { processDefinitionId: 'conformance-case' } }, now),
  )
  await refused('getProcessInstance (unknown)', 404, () =>
    camunda.getProcessInstance({ processInstanceKey: '2251799813699999' }, now),
  )
  await refused('createProcessInstance (unknown process)', 404, () =>
    camunda.createProcessInstance({ processDefinitionId: 'no-such-process' }),
  )

  // -- user tasks ---------------------------------------------------------------------------------
  const tasks = await call('searchUserTasks', () =>
    camunda.searchUserTasks({ filter: { processInstanceKey: instance } }, now),
  )
  const taskKey = tasks?.items[0]?.userTaskKey
  await call('getUserTask', () => camunda.getUserTask({ userTaskKey: taskKey }, now))
  await call(
    'getUserTaskForm',
    () => camunda.getUserTaskForm({ userTaskKey: taskKey }, now),
    (f) => expect(f.schema?.components?.[0]?.key === 'accepted', 'the form document'),
  )
  await call('searchUserTaskVariables', () => camunda.searchUserTaskVariables({ userTaskKey: taskKey }, now))
  await call('assignUserTask', () => camunda.assignUserTask({ userTaskKey: taskKey, assignee: 'alice' }))
  await refused('assignUserTask (already assigned, no override)', 409, () =>
    camunda.assignUserTask({ userTaskKey: taskKey, assignee: 'bob', allowOverride: false }),
  )
  await call('unassignUserTask', () => camunda.unassignUserTask({ userTaskKey: taskKey }))
  await call('updateUserTask', () =>
    camunda.updateUserTask({ userTaskKey: taskKey, changeset: { priority: 80, dueDate: '2030-01-01T00:00:00.000Z' } }),
  )
  await call('completeUserTask', () =>
    camunda.completeUserTask({ userTaskKey: taskKey, variables: { accepted: true } }),
  )
  await refused('completeUserTask (completed)', 404, () => camunda.completeUserTask({ userTaskKey: taskKey }))

  // -- jobs ---------------------------------------------------------------------------------------
  const activate = (type, requestTimeout = 5000) =>
    camunda.activateJobs({ type, worker: 'strict-suite', timeout: 60000, maxJobsToActivate: 5, requestTimeout })
  const first = await call('activateJobs', () => activate('conformance-work'), (r) =>
    expect(r.jobs.length === 1 && r.jobs[0].variables.caseId === 'C-1', `jobs ${show(r.jobs)}`),
  )
  const workJob = first?.jobs[0]?.jobKey
  await call('failJob (retry later)', () =>
    camunda.failJob({ jobKey: workJob, retries: 2, errorMessage: 'try again', retryBackOff: 600000 }),
  )
  await refused('completeJob (failed, backing off)', 409, () => camunda.completeJob({ jobKey: workJob }))
  await call('activateJobs (nothing yet, returns at once)', () => activate('conformance-work', -1), (r) =>
    expect(r.jobs.length === 0, 'no job during the back-off'),
  )
  // Time, not sleep, ends the back-off: the engine clock moves past it.
  await call('pinClock (past the back-off)', () => camunda.pinClock({ timestamp: Date.now() + 3600000 }))
  const again = await call('activateJobs (after back-off)', () => activate('conformance-work'), (r) =>
    expect(r.jobs.length === 1 && r.jobs[0].retries === 2, `jobs ${show(r.jobs)}`),
  )
  await call('updateJob (timeout)', () =>
    camunda.updateJob({ jobKey: again?.jobs[0]?.jobKey, changeset: { timeout: 30000 } }),
  )
  await call('completeJob', () =>
    camunda.completeJob({ jobKey: again?.jobs[0]?.jobKey, variables: { worked: true } }),
  )
  await refused('completeJob (completed)', 404, () => camunda.completeJob({ jobKey: workJob }))
  await refused('activateJobs (maxJobsToActivate 0)', 400, () =>
    camunda.activateJobs({ type: 'conformance-work', timeout: 1000, maxJobsToActivate: 0 }),
  )

  // -- incidents and BPMN errors ------------------------------------------------------------------
  const risky = await call('createProcessInstance (risky)', () =>
    camunda.createProcessInstance({ processDefinitionId: 'conformance-risky' }),
  )
  const riskyJob = (await call('activateJobs (risky)', () => activate('conformance-risky')))?.jobs[0]?.jobKey
  await call('failJob (no retries: incident)', () =>
    camunda.failJob({ jobKey: riskyJob, retries: 0, errorMessage: 'broken' }),
  )
  const incidents = await call(
    'searchIncidents',
    () => camunda.searchIncidents({ filter: { processInstanceKey: risky?.processInstanceKey } }, now),
    (r) => expect(r.items.length === 1 && r.items[0].errorType === 'JOB_NO_RETRIES', 'one job incident'),
  )
  const incidentKey = incidents?.items[0]?.incidentKey
  await call(
    'searchProcessInstanceIncidents',
    () => camunda.searchProcessInstanceIncidents({ processInstanceKey: risky?.processInstanceKey }, now),
    (r) => expect(r.items.length === 1 && r.items[0].incidentKey === incidentKey, 'the same incident'),
  )
  await call('getIncident', () => camunda.getIncident({ incidentKey }, now))
  await call('updateJob (retries)', () => camunda.updateJob({ jobKey: riskyJob, changeset: { retries: 1 } }))
  await call('resolveIncident', () => camunda.resolveIncident({ incidentKey }))
  await refused('getIncident (unknown)', 404, () => camunda.getIncident({ incidentKey: '2251799813699999' }, now))
  const retried = await call('activateJobs (risky again)', () => activate('conformance-risky'))
  await call('throwJobError', () =>
    camunda.throwJobError({ jobKey: retried?.jobs[0]?.jobKey, errorCode: 'REJECTED', errorMessage: 'rejected' }),
  )
  await call(
    'getProcessInstance (error caught)',
    () => camunda.getProcessInstance({ processInstanceKey: risky?.processInstanceKey }, now),
    (p) => expect(p.state === 'COMPLETED', `state ${p.state}`),
  )
  await refused('throwJobError (completed job)', 404, () =>
    camunda.throwJobError({ jobKey: riskyJob, errorCode: 'REJECTED' }),
  )

  // -- element instances, statistics, variables ----------------------------------------------------
  const elements = await call('searchElementInstances', () =>
    camunda.searchElementInstances({ filter: { processInstanceKey: instance } }, now),
  )
  await call('getElementInstance', () =>
    camunda.getElementInstance({ elementInstanceKey: elements?.items[0]?.elementInstanceKey }, now),
  )
  await call('getProcessInstanceStatistics', () =>
    camunda.getProcessInstanceStatistics({ processInstanceKey: instance }, now),
  )
  await call('getProcessDefinitionStatistics', () =>
    camunda.getProcessDefinitionStatistics({ processDefinitionKey: definitionKey }, now),
  )
  const variables = await call(
    'searchVariables',
    () => camunda.searchVariables({ filter: { processInstanceKey: instance, name: 'note' } }, now),
    (r) => expect(r.items.length === 1 && r.items[0].isTruncated === true, 'a long value is truncated'),
  )
  await call(
    'getVariable',
    () => camunda.getVariable({ variableKey: variables?.items[0]?.variableKey }, now),
    (v) => expect(v.value === JSON.stringify('x'.repeat(10000)), 'the whole value by key'),
  )
  await refused('getVariable (unknown)', 404, () => camunda.getVariable({ variableKey: '2251799813699999' }, now))

  // -- messages -----------------------------------------------------------------------------------
  await call('publishMessage', () =>
    camunda.publishMessage({ name: 'conformance-other', correlationKey: 'C-1', timeToLive: 0, messageId: 'm-1' }),
  )
  await call('publishMessage (with TTL)', () =>
    camunda.publishMessage({ name: 'conformance-other', correlationKey: 'C-1', timeToLive: 60000, messageId: 'm-2' }),
  )
  await refused('publishMessage (same messageId)', 409, () =>
    camunda.publishMessage({ name: 'conformance-other', correlationKey: 'C-1', timeToLive: 60000, messageId: 'm-2' }),
  )
  await call(
    'correlateMessage',
    () => camunda.correlateMessage({ name: 'conformance-go', correlationKey: 'C-1', variables: { go: true } }),
    (r) => expect(r.processInstanceKey === instance, `correlated to ${r.processInstanceKey}`),
  )
  await refused('correlateMessage (nobody waits)', 404, () =>
    camunda.correlateMessage({ name: 'conformance-go', correlationKey: 'C-1' }),
  )
  await call(
    'getProcessInstance (completed)',
    () => camunda.getProcessInstance({ processInstanceKey: instance }, now),
    (p) => expect(p.state === 'COMPLETED' && typeof p.endDate === 'string', `state ${p.state}`),
  )

  // -- repair tools: modification, migration ------------------------------------------------------
  const repaired = await call('createProcessInstance (to repair)', () =>
    camunda.createProcessInstance({ processDefinitionKey: definitionKey, variables: { caseId: 'C-3' } }),
  )
  const repairedKey = repaired?.processInstanceKey
  const waitingReview = await call(
    'searchElementInstances (to repair)',
    () => camunda.searchElementInstances({ filter: { processInstanceKey: repairedKey, elementId: 'review' } }, now),
    (r) => expect(r.items.length === 1, `review instances ${r.items.length}`),
  )
  await call('modifyProcessInstance', () =>
    camunda.modifyProcessInstance({
      processInstanceKey: repairedKey,
      activateInstructions: [{ elementId: 'work', variableInstructions: [{ variables: { repaired: true } }] }],
      terminateInstructions: [{ elementInstanceKey: waitingReview?.items[0]?.elementInstanceKey }],
    }),
  )
  await call(
    'searchElementInstances (after modification)',
    () => camunda.searchElementInstances({ filter: { processInstanceKey: repairedKey, state: 'ACTIVE' } }, now),
    (r) => expect(show(r.items.map((e) => e.elementId)) === show(['work']), show(r.items.map((e) => e.elementId))),
  )
  await refused('modifyProcessInstance (unknown element)', 400, () =>
    camunda.modifyProcessInstance({ processInstanceKey: repairedKey, activateInstructions: [{ elementId: 'ghost' }] }),
  )
  const revised = await call('createDeployment (revised process)', async () =>
    camunda.createDeployment({
      resources: [
        new File(
          [String(await readFile(join(here, 'conformance-case.bpmn'))).replace('name="Conformance case"', 'name="Conformance case, revised"')],
          'conformance-case.bpmn',
          { type: 'application/xml' },
        ),
      ],
    }),
  )
  const revisedKey = revised?.deployments[0]?.processDefinition?.processDefinitionKey
  await call('migrateProcessInstance', () =>
    camunda.migrateProcessInstance({
      processInstanceKey: repairedKey,
      targetProcessDefinitionKey: revisedKey,
      mappingInstructions: [{ sourceElementId: 'work', targetElementId: 'work' }],
    }),
  )
  await call(
    'getProcessInstance (migrated)',
    () => camunda.getProcessInstance({ processInstanceKey: repairedKey }, now),
    (p) => expect(p.processDefinitionKey === revisedKey && p.processDefinitionVersion === 2, `now ${p.processDefinitionKey} v${p.processDefinitionVersion}`),
  )
  await refused('migrateProcessInstance (unknown instance)', 404, () =>
    camunda.migrateProcessInstance({
      processInstanceKey: '2251799813699999',
      targetProcessDefinitionKey: revisedKey,
      mappingInstructions: [{ sourceElementId: 'work', targetElementId: 'work' }],
    }),
  )

  // -- clock, cancellation ------------------------------------------------------------------------
  await call('pinClock', () => camunda.pinClock({ timestamp: 1893456000000 }))
  await call('resetClock', () => camunda.resetClock())
  const doomed = await call('createProcessInstance (to cancel)', () =>
    camunda.createProcessInstance({ processDefinitionKey: definitionKey, variables: { caseId: 'C-2' } }),
  )
  await call('cancelProcessInstance', () =>
    camunda.cancelProcessInstance({ processInstanceKey: doomed?.processInstanceKey }),
  )
  await refused('cancelProcessInstance (terminated)', 404, () =>
    camunda.cancelProcessInstance({ processInstanceKey: doomed?.processInstanceKey }),
  )
}

try {
  await main()
} catch (error) {
  calls.push({ name: 'script', ok: false, ...describe(error) })
}
const passed = calls.filter((c) => c.ok).length
console.log(RESULT_MARKER + show({ passed, failed: calls.length - passed, calls }))
