// Applies 10k team adds, 1k role changes and 2 × 10k channel adds against the spec-validating
// fake and reports HTTP calls per operation and changes per second.
// Run: pnpm --filter @grouproles/adapter-mattermost bench (exits 1 when a goal is missed).
// GROUPROLES_BENCH_CHECK=touched: the touched-rows check (each batch reads only its rows) instead
// of the full re-read before the writes. GROUPROLES_BENCH_OTHERS=N: N more users already in the
// team and in 20 other channels of 1,000 members each, which no command touches (default 0).
import { cpus } from 'node:os'
import { emptyState, type SyncCommand, type SyncState } from '@grouproles/core'
import { admittingContext } from '@grouproles/core/testing'
import { applyPlan, createMattermostClient } from '../src/index.js'
import { FakeMattermost } from '../test/fake-mattermost/fake-mattermost.js'

const adds = 10_000
const roleChanges = 1_000
const channelCount = 2
const check = process.env['GROUPROLES_BENCH_CHECK'] === 'touched' ? 'touched' : 'fingerprint'
const others = Number(process.env['GROUPROLES_BENCH_OTHERS'] ?? 0)
const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const team = id('t', 1)
const channels = Array.from({ length: channelCount }, (_, i) => id('c', i))
const otherChannels = others > 0 ? Array.from({ length: 20 }, (_, i) => id('o', i)) : []

const users = Array.from({ length: adds + roleChanges }, (_, i) => ({
  id: id('u', i),
  username: `user${i}`,
  systemRole: 'user' as const,
}))
const bystanders = Array.from({ length: others }, (_, i) => ({
  id: id('b', i),
  username: `other${i}`,
  systemRole: 'user' as const,
}))
const state: SyncState = {
  ...emptyState,
  users: [...users, ...bystanders],
  teams: [{ id: team, name: 'bench', groupConstrained: false }],
  channels: [...channels, ...otherChannels].map((c, i) => ({
    id: c,
    teamId: team,
    name: `c${i}`,
    type: 'O',
    groupConstrained: false,
  })),
  // The role-change users and the bystanders are already members; the others are new.
  teamMembers: [...users.slice(adds), ...bystanders].map((u) => ({
    teamId: team,
    userId: u.id,
    schemeAdmin: false,
    schemeGuest: false,
  })),
  channelMembers: otherChannels.flatMap((c, i) =>
    Array.from({ length: Math.min(1_000, others) }, (_, j) => ({
      channelId: c,
      userId: id('b', (i * 997 + j) % others),
      schemeAdmin: false,
      schemeGuest: false,
    })),
  ),
}
const commands: SyncCommand[] = [
  ...users.slice(adds).map((u): SyncCommand => ({
    kind: 'setTeamMemberAdmin',
    teamId: team,
    userId: u.id,
    schemeAdmin: true,
  })),
  ...users.slice(0, adds).map((u): SyncCommand => ({
    kind: 'addTeamMember',
    teamId: team,
    userId: u.id,
    role: 'member',
  })),
  ...channels.flatMap((c) =>
    users.slice(0, adds).map((u): SyncCommand => ({
      kind: 'addChannelMember',
      channelId: c,
      userId: u.id,
      role: 'member',
    })),
  ),
]

// The commands as a sync would justify them (a group with auto-add and scheme-admin links).
const context = admittingContext(commands)
// Reads by POST, besides GETs: what a check (or an add's own row read) sends.
const reads = new Set(['GetUsersByIds', 'GetTeamMembersByIds', 'GetChannelMembersByIds'])

const fake = await FakeMattermost.start()
try {
  fake.seed(state)
  const client = createMattermostClient({ url: fake.url, token: fake.token })
  const since = Date.now()
  const started = performance.now()
  // Progress comes per batch; the time per step is from the previous step's last event.
  const steps = new Map<string, { readonly from: number; to: number; events: number }>()
  let last = started
  const report = (
    await applyPlan(
      client,
      { commands },
      {
        context,
        check,
        onProgress: (p) => {
          const now = performance.now()
          const step = steps.get(p.kind) ?? { from: last, to: now, events: 0 }
          step.to = now
          step.events++
          steps.set(p.kind, step)
          last = now
        },
      },
    )
  )._unsafeUnwrap()
  const seconds = (performance.now() - started) / 1000

  const calls: Record<string, number> = {}
  for (const r of fake.requests)
    calls[r.operationId ?? '?'] = (calls[r.operationId ?? '?'] ?? 0) + 1
  const changes = report.done + report.already
  const perSecond = changes / seconds
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
  )
  console.log(
    `commands: ${commands.length} (${adds} team adds, ${roleChanges} role changes, ${channelCount} × ${adds} channel adds)`,
  )
  console.log(`outcomes: done ${report.done}, already ${report.already}, failed ${report.failed}`)
  console.log(`time: ${seconds.toFixed(2)} s, ${Math.round(perSecond)} changes/s`)
  for (const [kind, step] of steps) {
    console.log(
      `  ${kind}: ${((step.to - step.from) / 1000).toFixed(2)} s, ${step.events} progress events`,
    )
  }
  // The check before the writes: every request up to the first write.
  const firstWrite = fake.requests.findIndex(
    (r) => r.method !== 'GET' && !reads.has(r.operationId ?? ''),
  )
  const before = fake.requests.slice(0, firstWrite < 0 ? fake.requests.length : firstWrite)
  const checkMs = (firstWrite < 0 ? Date.now() : (fake.requests[firstWrite]?.at ?? since)) - since
  const readCount = fake.requests.filter(
    (r) => r.method === 'GET' || reads.has(r.operationId ?? ''),
  ).length
  console.log(`check: ${check}, ${others} bystanders`)
  console.log(
    `before the first write: ${before.length} requests, ${checkMs} ms; reads overall: ${readCount}`,
  )
  console.log(`HTTP calls: ${fake.requests.length} total`)
  for (const [op, n] of Object.entries(calls).sort()) console.log(`  ${op}: ${n}`)

  // The goals of issue 5. The fake runs in this process and validates every request and answer
  // against the spec, so the rate is a lower bound for the client's own overhead.
  const goals: [string, number, number][] = [
    ['AddTeamMembers calls', calls['AddTeamMembers'] ?? 0, Math.ceil(adds / 256)],
    [
      'AddChannelMember calls',
      calls['AddChannelMember'] ?? 0,
      channelCount * Math.ceil(adds / 1000),
    ],
  ]
  const misses = goals
    .filter(([, actual, goal]) => actual > goal)
    .map(([what, actual, goal]) => `${what}: ${actual} > ${goal}`)
  if (perSecond < 1_000) misses.push(`changes/s: ${Math.round(perSecond)} < 1000`)
  if (report.failed > 0) misses.push(`failed commands: ${report.failed}`)
  if (fake.violations.length > 0)
    misses.push(`spec violations: ${fake.violations.slice(0, 3).join('; ')}`)
  for (const [what, actual, goal] of goals) console.log(`goal ${what} ≤ ${goal}: ${actual}`)
  console.log('goal changes/s ≥ 1000: ' + String(Math.round(perSecond)))
  if (misses.length > 0) {
    console.error(`goals missed:\n  ${misses.join('\n  ')}`)
    process.exitCode = 1
  } else console.log('all goals met')
} finally {
  await fake.close()
}
