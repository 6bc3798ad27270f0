// Drives the embedded engine with Camunda's own Node SDK, configured only through the environment
// exactly as a user would (ZEEBE_GRPC_ADDRESS, CAMUNDA_AUTH_STRATEGY, ...), so any mismatch between
// our gateway and a real Zeebe gateway shows up as a failed step. The test reads the last stdout
// line, which starts with RESULT_MARKER; the SDK's own log lines may come before it.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { Camunda8 } from '@camunda8/sdk'

const RESULT_MARKER = 'NODE_SDK_RESULT '
const STEP_BUDGET_MS = 8000
const here = dirname(fileURLToPath(import.meta.url))
const result = { steps: {} }

function within(promise, what, ms = STEP_BUDGET_MS) {
  // A gateway that never answers must fail the step by name, not hang the whole test.
  let timer
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

function deferred() {
  let resolve
  const promise = new Promise((r) => (resolve = r))
  return { promise, resolve }
}

// NODE_SDK_STEPS=topology,deploy runs only those steps (e.g. to see a refused token quickly).
const only = process.env.NODE_SDK_STEPS ? new Set(process.env.NODE_SDK_STEPS.split(',')) : null

async function step(name, run) {
  if (only && !only.has(name)) return
  const started = Date.now()
  try {
    result.steps[name] = { ok: true, ...(await run()) }
  } catch (error) {
    result.steps[name] = { ok: false, error: String(error?.message ?? error), code: error?.code }
  }
  result.steps[name].ms = Date.now() - started
}

const c8 = new Camunda8()
const zbc = c8.getZeebeGrpcApiClient()
const workers = []

await step('topology', async () => {
  const topology = await within(zbc.topology(), 'topology')
  return {
    clusterSize: topology.clusterSize,
    partitionsCount: topology.partitionsCount,
    brokers: topology.brokers.length,
    gatewayVersion: topology.gatewayVersion,
  }
})

await step('deploy', async () => {
  const processes = []
  for (const name of ['node-sdk-order', 'node-sdk-payment', 'node-sdk-retry', 'node-sdk-stream']) {
    // processFilename makes the SDK send the full file path as the resource name.
    const deployment = await within(
      zbc.deployResource({ processFilename: join(here, `${name}.bpmn`) }),
      `deploy ${name}`,
    )
    for (const entry of deployment.deployments) {
      processes.push({
        bpmnProcessId: entry.process.bpmnProcessId,
        version: entry.process.version,
        resourceName: entry.process.resourceName,
        key: String(entry.process.processDefinitionKey),
      })
    }
  }
  return { processes }
})

await step('createProcessInstance', async () => {
  const created = await within(
    zbc.createProcessInstance({ bpmnProcessId: 'node-sdk-order', variables: { orderId: 'o-0' } }),
    'createProcessInstance',
  )
  return {
    bpmnProcessId: created.bpmnProcessId,
    processInstanceKey: String(created.processInstanceKey),
    version: created.version,
  }
})

await step('workerWithResult', async () => {
  const seen = []
  workers.push(
    zbc.createWorker({
      taskType: 'node-sdk-work',
      taskHandler: (job) => {
        seen.push(job.variables.orderId)
        return job.complete({ handledBy: 'node-sdk', doubled: job.variables.amount * 2 })
      },
    }),
  )
  const finished = await within(
    zbc.createProcessInstanceWithResult({
      bpmnProcessId: 'node-sdk-order',
      variables: { orderId: 'o-1', amount: 21 },
    }),
    'createProcessInstanceWithResult',
  )
  return { variables: finished.variables, jobsSeen: seen.sort() }
})

await step('publishMessage', async () => {
  const shipped = deferred()
  workers.push(
    zbc.createWorker({
      taskType: 'node-sdk-ship',
      taskHandler: (job) => {
        shipped.resolve(job.variables)
        return job.complete({ shipped: true })
      },
    }),
  )
  const created = await within(
    zbc.createProcessInstance({ bpmnProcessId: 'node-sdk-payment', variables: { orderId: 'p-1' } }),
    'createProcessInstance node-sdk-payment',
  )
  const published = await within(
    zbc.publishMessage({
      name: 'node-sdk-paid',
      correlationKey: 'p-1',
      messageId: 'payment-p-1',
      timeToLive: 10000,
      variables: { paidAmount: 99 },
    }),
    'publishMessage',
  )
  const variables = await within(shipped.promise, 'job after the message')
  return {
    messageKey: String(published.key),
    processInstanceKey: String(created.processInstanceKey),
    jobVariables: variables,
  }
})

await step('failAndRetry', async () => {
  const attempts = []
  workers.push(
    zbc.createWorker({
      taskType: 'node-sdk-flaky',
      taskHandler: (job) => {
        attempts.push({ retries: job.retries, attempt: attempts.length + 1 })
        if (attempts.length === 1) {
          return job.fail({ errorMessage: 'first attempt fails on purpose', retries: 2 })
        }
        return job.complete({ attempts: attempts.length })
      },
    }),
  )
  const finished = await within(
    zbc.createProcessInstanceWithResult({ bpmnProcessId: 'node-sdk-retry', variables: {} }),
    'createProcessInstanceWithResult node-sdk-retry',
  )
  return { attempts, variables: finished.variables }
})

await step('streamJobs', async () => {
  const streamed = []
  const opening = Date.now()
  workers.push(
    await zbc.streamJobs({
      type: 'node-sdk-streamed',
      worker: 'node-sdk-stream-worker',
      timeout: 30000,
      // No sidecar polling: after the (empty) backfill poll, only the stream can deliver.
      pollInterval: 0,
      taskHandler: async (job) => {
        streamed.push(job.variables.n)
        return job.complete({ streamed: job.variables.n })
      },
    }),
  )
  // streamJobs resolves only after its backfill poll (requestTimeout -1) has been answered.
  const openMs = Date.now() - opening
  // Let the open stream sit idle first, so the job travels over the stream itself rather than
  // the SDK's initial backfill poll; with a short GRPC_KEEPALIVE_TIME_MS the client keeps
  // pinging the server meanwhile, and the stream must survive that.
  await new Promise((r) => setTimeout(r, Number(process.env.NODE_SDK_STREAM_IDLE_MS ?? 300)))
  const finished = await within(
    zbc.createProcessInstanceWithResult({ bpmnProcessId: 'node-sdk-stream', variables: { n: 7 } }),
    'createProcessInstanceWithResult node-sdk-stream',
  )
  return { variables: finished.variables, streamed, openMs }
})

for (const worker of workers) {
  // close() waits for in-flight long polls; never let it block the report.
  await within(Promise.resolve(worker.close()), 'worker close', 3000).catch(() => {})
}
await within(zbc.close(), 'client close', 3000).catch(() => {})
process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`)
process.exit(0)
