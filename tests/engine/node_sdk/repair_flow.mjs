// Operate's repair tools through Camunda's own Node SDK, unchanged: modifyProcessInstance (move
// the token from a stuck task to the next one, with a variable) and migrateProcessInstance (to a
// second version of the process). Configured only through the environment, like client_flow.mjs;
// prints one RESULT_MARKER line with the outcome of each step.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { Camunda8 } from '@camunda8/sdk'

const RESULT_MARKER = 'NODE_SDK_RESULT '
const here = dirname(fileURLToPath(import.meta.url))
const result = { steps: {} }
const zbc = new Camunda8().getZeebeGrpcApiClient()

async function step(name, run) {
  try {
    result.steps[name] = { ok: true, ...(await run()) }
  } catch (error) {
    result.steps[name] = { ok: false, error: String(error?.message ?? error), code: error?.code }
  }
}

function version(label) {
  const xml = readFileSync(join(here, 'node-sdk-repair.bpmn'), 'utf8').replace('VERSION', label)
  return zbc.deployResource({ process: Buffer.from(xml), name: `node-sdk-repair-${label}.bpmn` })
}

async function take(type) {
  const jobs = await zbc.activateJobs({
    type,
    worker: 'node-sdk-repair',
    maxJobsToActivate: 1,
    timeout: 60000,
    requestTimeout: -1,
  })
  return jobs[0]
}

let instanceKey
await step('modify', async () => {
  await version('v1')
  const created = await zbc.createProcessInstance({ bpmnProcessId: 'node-sdk-repair', variables: {} })
  instanceKey = created.processInstanceKey
  const stuck = await take('node-sdk-stuck')
  await zbc.modifyProcessInstance({
    processInstanceKey: instanceKey,
    activateInstructions: [
      {
        elementId: 'next',
        ancestorElementInstanceKey: '-1',
        variableInstructions: [{ scopeId: '', variables: { repairedBy: 'node-sdk' } }],
      },
    ],
    terminateInstructions: [{ elementInstanceKey: stuck.elementInstanceKey }],
  })
  const next = await take('node-sdk-next')
  return { nextElementId: next.elementId, variables: next.variables }
})

await step('migrate', async () => {
  const deployed = await version('v2')
  const target = deployed.deployments[0].process
  await zbc.migrateProcessInstance({
    processInstanceKey: instanceKey,
    migrationPlan: {
      targetProcessDefinitionKey: target.processDefinitionKey,
      mappingInstructions: [{ sourceElementId: 'next', targetElementId: 'next' }],
    },
  })
  return { targetVersion: target.version }
})

await step('refused', async () => {
  try {
    await zbc.modifyProcessInstance({
      processInstanceKey: instanceKey,
      // the SDK (8.8.13) reads variableInstructions without checking it is there
      activateInstructions: [
        { elementId: 'nowhere', ancestorElementInstanceKey: '-1', variableInstructions: [] },
      ],
    })
    return { refused: false }
  } catch (error) {
    return { refused: true, code: error?.code, message: String(error?.message ?? error) }
  }
})

console.log(RESULT_MARKER + JSON.stringify(result))
await zbc.close()
process.exit(0)
