// REST load of the XL deployment (100k users, 2k teams, 20k channels, ~2.3 M memberships) from the
// fake Mattermost in its own process, 5 ms per request: requests against the paging minimum,
// wall time and peak RSS of the loader process, with stable and with shuffled member pages, then a
// no-change run end to end (load, plan, apply of the empty plan with its stale check).
// Run: pnpm --filter @grouproles/adapter-mattermost bench:load (exits 1 when a goal is missed).
//
// Three kinds of process: this one orchestrates; `fake` holds the seeded fake; each measurement
// runs in a fresh `run` process, so its peak RSS is its own.
import { fork, type ChildProcess } from 'node:child_process'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics } from 'node:v8'
import { applyPlan as applyModel, planSync, type SyncState } from '@grouproles/core'
import { generateState, stateSizes } from '@grouproles/core/testing'
import {
  createMattermostClient,
  defaultConcurrency,
  fetchTransport,
  loadSyncState,
  MattermostSyncTarget,
  nodeHttpTransport,
  perPage,
  type HttpTransport,
} from '../src/index.js'
import { FakeMattermost } from '../src/testing/index.js'

const latencyMs = 5
// BENCH_CONCURRENCY=N measures another setting than the client's default.
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? defaultConcurrency)
const goals = { ratio: 1.05, wallSeconds: 30, rssMb: 1024 }
const self = fileURLToPath(import.meta.url)

type Scenario = 'stable' | 'shuffled' | 'noChange'
type FakeReady = { readonly url: string; readonly token: string; readonly minimum: number }
type RunResult = {
  readonly scenario: Scenario
  readonly transport: string
  readonly requests: number
  readonly byPath: Record<string, number>
  readonly wallSeconds: number
  readonly rssMb: number
  readonly heapMb: number
  /** Heap still in use after a full collection at the end: what the loaded state holds. */
  readonly retainedMb: number
  /** Highest heap in use, sampled every 100 ms during the run. */
  readonly peakHeapMb: number
  /** CPU seconds (user + system) of the loader process. */
  readonly cpuSeconds: number
  readonly rows: { users: number; teamMembers: number; channelMembers: number; channels: number }
  readonly commands?: number
  readonly held?: number
  readonly error?: string
}

const role = process.argv[2]
if (role === 'fake') await serveFake()
else if (role === 'run')
  await measure(process.argv[3] as Scenario, process.argv[4] ?? '', process.argv[5] ?? '')
else await orchestrate()

// ---- the fake's process ---------------------------------------------------------------------

/**
 * Σ over the listings a full read makes of max(1, ⌈rows / 200⌉): users, teams, GET /channels,
 * each team's and channel's members, groups; per synced group one request for its member ids
 * (`GET /groups/{id}?include_member_ids=true`) and one for each of its two link lists; one
 * `GET /users/{id}/groups` per deactivated user holding a row.
 */
function pagingMinimum(state: SyncState): number {
  const pages = (rows: number) => Math.max(1, Math.ceil(rows / perPage))
  const count = <T>(rows: readonly T[], key: (r: T) => string) => {
    const m = new Map<string, number>()
    for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1)
    return m
  }
  const teamRows = count(
    state.teamMembers.filter((m) => m.deleted !== true),
    (m) => m.teamId,
  )
  const channelRows = count(state.channelMembers, (m) => m.channelId)
  const liveGroups = state.groups.filter((g) => g.deleted !== true)
  return (
    pages(state.users.length) +
    pages(state.teams.length) +
    pages(state.channels.filter((c) => c.type === 'O' || c.type === 'P').length) +
    state.teams.reduce((n, t) => n + pages(teamRows.get(t.id) ?? 0), 0) +
    state.channels.reduce(
      (n, c) => n + (c.type === 'O' || c.type === 'P' ? pages(channelRows.get(c.id) ?? 0) : 0),
      0,
    ) +
    pages(liveGroups.length) +
    liveGroups.length * 3 +
    (liveGroups.length > 0 ? deactivatedWithRows(state) : 0)
  )
}

// Deactivated users with a row: the group routes leave them out, so each one's groups are read by user.
function deactivatedWithRows(state: SyncState): number {
  const withRows = new Set([
    ...state.teamMembers.filter((m) => m.deleted !== true).map((m) => m.userId),
    ...state.channelMembers.map((m) => m.userId),
  ])
  return state.users.filter((u) => u.deactivated === true && withRows.has(u.id)).length
}

/**
 * The generator puts random users into channels without a team row, which Mattermost cannot hold
 * (a channel add needs an active team row, leaving a team drops the channel rows): those users get
 * the team row. BENCH_RAW=1 keeps the generator's rows (then the loader reads the channels that
 * hold such members a second time, through the users listing).
 */
function withTeamRows(state: SyncState): SyncState {
  const teamOf = new Map(state.channels.map((c) => [c.id, c.teamId]))
  const guests = new Set(state.users.filter((u) => u.systemRole === 'guest').map((u) => u.id))
  const active = new Set(
    state.teamMembers.filter((m) => m.deleted !== true).map((m) => `${m.teamId}:${m.userId}`),
  )
  const added: SyncState['teamMembers'][number][] = []
  for (const m of state.channelMembers) {
    const teamId = teamOf.get(m.channelId)
    if (teamId === undefined || active.has(`${teamId}:${m.userId}`)) continue
    active.add(`${teamId}:${m.userId}`)
    added.push({ teamId, userId: m.userId, schemeAdmin: false, schemeGuest: guests.has(m.userId) })
  }
  // A soft-deleted row of the same pair is replaced: the fake keeps the last row it is given.
  console.log(`bench seed: ${added.length} channel members given the team row Mattermost requires`)
  return { ...state, teamMembers: [...state.teamMembers, ...added] }
}

async function serveFake(): Promise<void> {
  const generated = generateState(stateSizes.XL)
  // Converged first (the plan a REST target would make, applied by core's model), so the same
  // seed serves the no-change run; a load reads every row either way.
  const converged = applyModel(
    generated,
    planSync(generated, { groupConstrainedRemovals: 'leaveToMattermost' }),
  )
  const consistent = process.env['BENCH_RAW'] === '1' ? converged : withTeamRows(converged)
  // The new team rows can call for role changes and adds: converge once more.
  const state = applyModel(
    consistent,
    planSync(consistent, { groupConstrainedRemovals: 'leaveToMattermost' }),
  )
  const fake = await FakeMattermost.start({ settings: { latencyMs, record: false } })
  fake.seed(state)
  const ready: FakeReady = { url: fake.url, token: fake.token, minimum: pagingMinimum(state) }
  // The generated state is garbage now: collect it before the fake serves, or its first major
  // collections stall the first measurement.
  ;(globalThis as { gc?: () => void }).gc?.()
  process.on(
    'message',
    (m: { readonly memberPages?: 'stable' | 'shuffled'; readonly stop?: true }) => {
      if (m.stop === true) {
        void fake.close().then(() => process.exit(0))
        return
      }
      if (m.memberPages !== undefined) fake.configure({ memberPages: m.memberPages })
      const cpu = process.cpuUsage()
      process.send?.({
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        violations: fake.violations.length,
      })
    },
  )
  process.send?.(ready)
}

// ---- a measuring process --------------------------------------------------------------------

async function measure(scenario: Scenario, url: string, token: string): Promise<void> {
  let requests = 0
  const byPath: Record<string, number> = {}
  // The client's default transport (node:http), counted; or the global fetch.
  const inner =
    process.env['BENCH_TRANSPORT'] === 'fetch'
      ? fetchTransport(globalThis.fetch)
      : nodeHttpTransport({ maxSockets: concurrency })
  const counting: HttpTransport = (exchange) => {
    requests++
    const path = exchange.url.pathname.replace(/\/api\/v4/, '').replace(/[a-z0-9]{26}/g, '{id}')
    byPath[path] = (byPath[path] ?? 0) + 1
    return inner(exchange)
  }
  const client = createMattermostClient({ url, token, transport: counting, concurrency })
  let peakHeap = 0
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size)
  }, 100)
  const started = performance.now()
  let rows: RunResult['rows'] = { users: 0, teamMembers: 0, channelMembers: 0, channels: 0 }
  let extra: Pick<RunResult, 'commands' | 'held' | 'error'> = {}
  if (scenario === 'noChange') {
    // As the CLI applies a plan it made in the same run: the touched check (BENCH_CHECK=fingerprint
    // re-reads the whole server instead).
    const check = process.env['BENCH_CHECK'] === 'fingerprint' ? 'fingerprint' : 'touched'
    const target = new MattermostSyncTarget(client, { check })
    const loaded = await target.loadSyncState()
    if (loaded.isErr()) extra = { error: loaded.error.message }
    else {
      rows = rowsOf(loaded.value)
      const plan = planSync(loaded.value, target.policyDefaults)
      const applied = await target.applyPlan(plan)
      extra = applied.isErr()
        ? { error: applied.error.message }
        : { commands: plan.commands.length, held: plan.held.length }
    }
  } else {
    const loaded = await loadSyncState(client)
    if (loaded.isErr()) extra = { error: loaded.error.message }
    else rows = rowsOf(loaded.value)
  }
  const wallSeconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  const cpu = process.cpuUsage()
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20
  ;(globalThis as { gc?: () => void }).gc?.()
  const result: RunResult = {
    scenario,
    transport: process.env['BENCH_TRANSPORT'] ?? 'http',
    requests,
    byPath,
    wallSeconds,
    rssMb: process.resourceUsage().maxRSS / 1024,
    heapMb,
    retainedMb: process.memoryUsage().heapUsed / 2 ** 20,
    peakHeapMb: peakHeap / 2 ** 20,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows,
    ...extra,
  }
  process.send?.(result, () => process.exit(0))
}

function rowsOf(state: SyncState): RunResult['rows'] {
  return {
    users: state.users.length,
    teamMembers: state.teamMembers.length,
    channelMembers: state.channelMembers.length,
    channels: state.channels.length,
  }
}

// ---- the orchestrator -----------------------------------------------------------------------

function next<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      resolve(m as T)
    })
    child.once('exit', (code) => {
      reject(new Error(`child exited with ${String(code)}`))
    })
  })
}

async function orchestrate(): Promise<void> {
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}`,
  )
  console.log(`fake: XL generated state, ${latencyMs} ms per request, in its own process`)
  const t0 = performance.now()
  // BENCH_CPU_PROFILE=DIR writes a CPU profile of each process (the fake's under DIR/fake).
  const profile = process.env['BENCH_CPU_PROFILE']
  const fakeProcess = fork(self, ['fake'], {
    execArgv: [
      ...process.execArgv,
      '--expose-gc',
      ...(profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profile}/fake`] : []),
    ],
  })
  const ready = await next<FakeReady>(fakeProcess)
  console.log(
    `fake seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; paging minimum ${ready.minimum} requests`,
  )

  const results: RunResult[] = []
  const all: [Scenario, 'stable' | 'shuffled'][] = [
    ['stable', 'stable'],
    ['shuffled', 'shuffled'],
    ['noChange', 'stable'],
  ]
  // BENCH_SCENARIOS=stable,shuffled runs only those.
  const only = process.env['BENCH_SCENARIOS']?.split(',')
  const scenarios = all.filter(([s]) => only === undefined || only.includes(s))
  type FakeCpu = { readonly cpuSeconds: number; readonly violations: number }
  // BENCH_TRANSPORTS=http,fetch runs each scenario once per client transport, in turn.
  const transports = (process.env['BENCH_TRANSPORTS'] ?? 'http').split(',')
  const runs = scenarios.flatMap(([scenario, memberPages]) =>
    transports.map((transport) => ({ scenario, memberPages, transport })),
  )
  for (const { scenario, memberPages, transport } of runs) {
    fakeProcess.send({ memberPages })
    const before = await next<FakeCpu>(fakeProcess)
    const runner = fork(self, ['run', scenario, ready.url, ready.token], {
      env: { ...process.env, BENCH_TRANSPORT: transport },
      execArgv: [
        ...process.execArgv,
        '--expose-gc',
        ...(profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
        // BENCH_RUN_FLAGS="--max-semi-space-size=64 …": V8 flags for the measured process only.
        ...(process.env['BENCH_RUN_FLAGS']?.split(' ').filter((f) => f !== '') ?? []),
      ],
    })
    const result = await next<RunResult>(runner)
    fakeProcess.send({})
    const after = await next<FakeCpu>(fakeProcess)
    results.push(result)
    report(result, ready.minimum, after.cpuSeconds - before.cpuSeconds)
    if (after.violations > 0) console.log(`  the fake recorded ${after.violations} violations`)
  }
  fakeProcess.send({ stop: true })

  const misses: string[] = []
  for (const r of results) {
    if (r.error !== undefined) misses.push(`${r.scenario}: failed: ${r.error}`)
    if (r.scenario !== 'noChange' && r.requests > goals.ratio * ready.minimum) {
      misses.push(
        `${r.scenario}: ${(r.requests / ready.minimum).toFixed(3)}× the paging minimum > ${goals.ratio}×`,
      )
    }
    if (r.scenario !== 'noChange' && r.wallSeconds > goals.wallSeconds) {
      misses.push(`${r.scenario}: ${r.wallSeconds.toFixed(1)} s > ${goals.wallSeconds} s`)
    }
    if (r.scenario !== 'noChange' && r.rssMb > goals.rssMb)
      misses.push(`${r.scenario}: peak RSS ${Math.round(r.rssMb)} MB > ${goals.rssMb} MB`)
    if (r.scenario === 'noChange' && r.commands !== 0)
      misses.push(`noChange: ${r.commands} commands`)
  }
  if (misses.length > 0) {
    console.error(`goals missed:\n  ${misses.join('\n  ')}`)
    process.exitCode = 1
  } else console.log('all goals met')
}

function report(r: RunResult, minimum: number, fakeCpuSeconds: number): void {
  console.log(
    `\n${r.scenario}${r.scenario === 'noChange' ? ` (load, plan, apply of the empty plan with the ${process.env['BENCH_CHECK'] === 'fingerprint' ? 'fingerprint' : 'touched'} check)` : ' member pages'}, transport ${r.transport}:`,
  )
  if (r.error !== undefined) console.log(`  FAILED: ${r.error}`)
  console.log(
    `  ${r.requests} requests (${(r.requests / minimum).toFixed(3)}× the paging minimum), ${r.wallSeconds.toFixed(1)} s at concurrency ${concurrency}${concurrency === defaultConcurrency ? ' (the default)' : ''} (latency floor ${((r.requests * latencyMs) / concurrency / 1000).toFixed(1)} s), peak RSS ${Math.round(r.rssMb)} MB (heap: peak ${Math.round(r.peakHeapMb)} MB, ${Math.round(r.heapMb)} MB at the end, ${Math.round(r.retainedMb)} MB retained)`,
  )
  console.log(
    `  rows: ${r.rows.users} users, ${r.rows.channels} channels, ${r.rows.teamMembers} team members, ${r.rows.channelMembers} channel members`,
  )
  console.log(
    `  CPU: loader ${r.cpuSeconds.toFixed(1)} s, fake ${fakeCpuSeconds.toFixed(1)} s (2 cores shared by both)`,
  )
  if (r.commands !== undefined) console.log(`  plan: ${r.commands} commands, ${r.held} held`)
  for (const [path, n] of Object.entries(r.byPath).sort((a, b) => b[1] - a[1]))
    console.log(`    ${path}: ${n}`)
}
