/**
 * `pnpm bench`: planSync time and peak memory per size (S, M, L, XL), each size in its own child
 * process so peak RSS belongs to that size alone, plus decideRole throughput from a prebuilt index.
 * Seeded data (generateState), so runs on two machines plan the same state.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRoleDecider, decideRole, planSync, type SyncableRef } from '@grouproles/core'
import { generateState, stateSizes } from '@grouproles/core/testing'

type Size = keyof typeof stateSizes
const sizes = (process.env['BENCH_SIZES'] ?? 'S,M,L,XL').split(',') as Size[]
const runs = Number(process.env['BENCH_RUNS'] ?? 5)

interface Row {
  size: Size
  users: number
  groupMemberships: number
  memberships: number
  commands: number
  held: number
  planMs: { min: number; median: number; max: number }
  peakRssMb: number
  heapAfterStateMb: number
}

function measure(size: Size): Row {
  const gc = (globalThis as { gc?: () => void }).gc
  const state = generateState(stateSizes[size], 42)
  gc?.()
  const heapAfterStateMb = process.memoryUsage().heapUsed / 2 ** 20
  const times: number[] = []
  let plan = planSync(state)
  for (let i = 0; i < runs; i++) {
    gc?.()
    const t = performance.now()
    plan = planSync(state)
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return {
    size,
    users: state.users.length,
    groupMemberships: state.groups.reduce((n, g) => n + g.memberIds.length, 0),
    memberships: state.teamMembers.length + state.channelMembers.length,
    commands: plan.commands.length,
    held: plan.held.length,
    planMs: {
      min: times[0] ?? 0,
      median: times[Math.floor(times.length / 2)] ?? 0,
      max: times[times.length - 1] ?? 0,
    },
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterStateMb,
  }
}

function decisionsPerSecond(): { indexed: number; plain: number } {
  const state = generateState(stateSizes.L, 7)
  const decider = createRoleDecider(state)
  const targets: SyncableRef[] = [
    ...state.teams.map((t) => ({ kind: 'team' as const, id: t.id })),
    ...state.channels.map((c) => ({ kind: 'channel' as const, id: c.id })),
  ]
  const n = 2_000_000
  let admins = 0
  let t = performance.now()
  for (let i = 0; i < n; i++) {
    const d = decider.decide(
      state.users[(i * 7919) % state.users.length]!.id,
      targets[(i * 104729) % targets.length]!,
    )
    if (d?.role === 'admin') admins++
  }
  const indexed = n / ((performance.now() - t) / 1000)
  // The pinned decideRole over a user's own group ids and one syncable's links, as an add hook has them.
  const links = state.links
  const byTarget = new Map<string, typeof links>()
  for (const l of links) byTarget.set(l.syncable.id, [...(byTarget.get(l.syncable.id) ?? []), l])
  const groupsOf = new Map<string, string[]>()
  for (const g of state.groups)
    for (const u of g.memberIds) groupsOf.set(u, [...(groupsOf.get(u) ?? []), g.id])
  const m = 500_000
  t = performance.now()
  for (let i = 0; i < m; i++) {
    const user = state.users[(i * 7919) % state.users.length]!
    const target = targets[(i * 104729) % targets.length]!
    const d = decideRole({
      user,
      syncable: target,
      links: byTarget.get(target.id) ?? [],
      userGroupIds: groupsOf.get(user.id) ?? [],
    })
    if (d.role === 'admin') admins++
  }
  const plain = m / ((performance.now() - t) / 1000)
  if (admins < 0) throw new Error('unreachable')
  return { indexed, plain }
}

if (process.argv[2] === '--child') {
  const size = process.argv[3] as Size
  process.stdout.write(
    JSON.stringify(size === ('decide' as Size) ? decisionsPerSecond() : measure(size)),
  )
} else {
  const self = fileURLToPath(import.meta.url)
  const results: unknown[] = []
  console.log(`planSync benchmark (node ${process.version}, ${runs} runs per size, seed 42)`)
  console.log(
    'size | users | group memberships | memberships | commands | held | plan min / median / max ms | peak RSS MB',
  )
  for (const size of sizes) {
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=4096',
        '--conditions=@grouproles/source',
        '--import',
        'tsx',
        self,
        '--child',
        size,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    )
    if (child.status !== 0) throw new Error(`size ${size} failed: ${child.stderr}`)
    const r = JSON.parse(child.stdout) as Row
    results.push(r)
    console.log(
      `${r.size} | ${r.users} | ${r.groupMemberships} | ${r.memberships} | ${r.commands} | ${r.held} | ${r.planMs.min.toFixed(0)} / ${r.planMs.median.toFixed(0)} / ${r.planMs.max.toFixed(0)} | ${r.peakRssMb.toFixed(0)}`,
    )
  }
  const child = spawnSync(
    process.execPath,
    ['--conditions=@grouproles/source', '--import', 'tsx', self, '--child', 'decide'],
    { encoding: 'utf8' },
  )
  if (child.status !== 0) throw new Error(`decideRole bench failed: ${child.stderr}`)
  const d = JSON.parse(child.stdout) as { indexed: number; plain: number }
  results.push({ decideRole: d })
  console.log(
    `decideRole: ${(d.indexed / 1e6).toFixed(2)} M decisions/s from createRoleDecider (prebuilt index); ${(d.plain / 1e6).toFixed(2)} M/s through decideRole(input)`,
  )
  mkdirSync('bench-results', { recursive: true })
  writeFileSync('bench-results/plan-sync.json', JSON.stringify(results, null, 2))
}
