/**
 * `pnpm bench`: planSync time and peak memory per size (S, M, L, XL), each size in its own child
 * process so peak RSS belongs to that size alone, plus decideRole throughput from a prebuilt index,
 * then pass/fail against the goals. Seeded data (generateState), so runs on two machines
 * plan the same state. `BENCH_SIZES=S,M` picks sizes, `BENCH_RUNS=3` the timed runs per size.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRoleDecider, decideRole, planSync, type SyncableRef } from '@grouproles/core'
import { generateState, stateSizes } from '@grouproles/core/testing'

type Size = keyof typeof stateSizes
const sizes = (process.env['BENCH_SIZES'] ?? 'S,M,L,XL').split(',') as Size[]
const runs = Number(process.env['BENCH_RUNS'] ?? 5)

/** The goals: XL plan ≤ 1.5 s and ≤ 1 GB on a 2-core machine; decideRole ≥ 1 M/s. */
const goals = { xlPlanMs: 1_500, xlPeakRssMb: 1_024, decisionsPerSecond: 1_000_000 }

interface Row {
  size: Size
  users: number
  groupMemberships: number
  teamMemberships: number
  channelMemberships: number
  commands: number
  held: number
  planMs: { min: number; median: number; max: number }
  /** CPU time of the process (all threads, GC included) for the median run: wall time on a loaded machine overstates. */
  planCpuMs: number
  peakRssMb: number
  heapAfterStateMb: number
}

function measure(size: Size): Row {
  const gc = (globalThis as { gc?: () => void }).gc
  const state = generateState(stateSizes[size], 42)
  gc?.()
  const heapAfterStateMb = process.memoryUsage().heapUsed / 2 ** 20
  const times: number[] = []
  const cpu: number[] = []
  let plan = planSync(state)
  for (let i = 0; i < runs; i++) {
    gc?.()
    const c0 = process.cpuUsage()
    const t = performance.now()
    plan = planSync(state)
    times.push(performance.now() - t)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  times.sort((a, b) => a - b)
  cpu.sort((a, b) => a - b)
  return {
    size,
    users: state.users.length,
    groupMemberships: state.groups.reduce((n, g) => n + g.memberIds.length, 0),
    teamMemberships: state.teamMembers.length,
    channelMemberships: state.channelMembers.length,
    commands: plan.commands.length,
    held: plan.held.length,
    planMs: {
      min: times[0] ?? 0,
      median: times[Math.floor(times.length / 2)] ?? 0,
      max: times[times.length - 1] ?? 0,
    },
    planCpuMs: cpu[Math.floor(cpu.length / 2)] ?? 0,
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
  const rows: Row[] = []
  console.log(`planSync benchmark (node ${process.version}, ${runs} runs per size, seed 42)`)
  console.log(
    'size | users | group memberships | team + channel memberships | commands | held | plan min / median / max ms | plan CPU median ms | peak RSS MB',
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
    rows.push(r)
    const memberships = `${r.teamMemberships} + ${r.channelMemberships} = ${r.teamMemberships + r.channelMemberships}`
    console.log(
      `${r.size} | ${r.users} | ${r.groupMemberships} | ${memberships} | ${r.commands} | ${r.held} | ${r.planMs.min.toFixed(0)} / ${r.planMs.median.toFixed(0)} / ${r.planMs.max.toFixed(0)} | ${r.planCpuMs.toFixed(0)} | ${r.peakRssMb.toFixed(0)}`,
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
  const verdicts = checkGoals(rows, d.indexed)
  for (const v of verdicts) console.log(v.line)
  results.push({ goals: verdicts.map((v) => v.line) })
  mkdirSync('bench-results', { recursive: true })
  writeFileSync('bench-results/plan-sync.json', JSON.stringify(results, null, 2))
  if (verdicts.some((v) => v.pass === false)) process.exitCode = 1
}

/** One line per goal: PASS, FAIL, or not checked when XL was not among the sizes run. */
function checkGoals(rows: readonly Row[], decisions: number): { line: string; pass?: boolean }[] {
  const verdict = (pass: boolean, text: string) => ({
    line: `${pass ? 'PASS' : 'FAIL'} ${text}`,
    pass,
  })
  const xl = rows.find((r) => r.size === 'XL')
  const out =
    xl === undefined
      ? [{ line: 'n/a  XL plan goals (≤ 1.5 s, ≤ 1 GB): XL not run (BENCH_SIZES)' }]
      : [
          verdict(
            xl.planMs.median <= goals.xlPlanMs,
            `XL plan median ${xl.planMs.median.toFixed(0)} ms ≤ ${goals.xlPlanMs} ms`,
          ),
          verdict(
            xl.peakRssMb <= goals.xlPeakRssMb,
            `XL peak RSS ${xl.peakRssMb.toFixed(0)} MB ≤ ${goals.xlPeakRssMb} MB`,
          ),
        ]
  out.push(
    verdict(
      decisions >= goals.decisionsPerSecond,
      `decideRole ${(decisions / 1e6).toFixed(2)} M/s ≥ ${goals.decisionsPerSecond / 1e6} M/s (prebuilt index)`,
    ),
  )
  return out
}
