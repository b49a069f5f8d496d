// Benchmark: a generated state in a throwaway Postgres. Run with
//   pnpm --filter @grouproles/adapter-postgres bench [XL|L|M|S]
// It starts and stops its own cluster. Child processes (`--load-child`) measure loadSyncState's
// memory alone (maxRSS), so the generated state held by the parent does not blur it. The exit code
// is 1 when the SQL baseline's sets differ from planSync's or fewer than 10k commands can be applied.
import { execFile, spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import pg from 'pg'
import {
  fingerprintTarget,
  planSync,
  type SyncCommand,
  type SyncCommandKind,
} from '@grouproles/core'
import { generateState, stateSizes } from '@grouproles/core/testing'
import { applyPlan, loadSyncState } from '../src/index.js'
import { createMattermostSchema, writeSyncState } from '../src/testing/index.js'
import { findPgBin, startPostgres } from '../test/start-postgres.js'

const exec = promisify(execFile)
const gc = (): void => (globalThis as { gc?: () => void }).gc?.()
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`
const ms = (t: number): string => `${t.toFixed(0)} ms`

// The rows loadSyncState reads, one per membership (the \copy floor exports exactly these), in
// three groups as the parallel load splits them over its connections: the small tables, team
// members + history, channel members.
const rawGroups: readonly (readonly string[])[] = [
  [
    `SELECT u.id, u.username, u.email, u.authdata, u.roles, u.deleteat, b.userid FROM users u LEFT JOIN bots b ON b.userid = u.id`,
    `SELECT id, name, deleteat FROM usergroups WHERE source = 'ldap'`,
    `SELECT gm.groupid, gm.userid FROM groupmembers gm JOIN usergroups g ON g.id = gm.groupid WHERE gm.deleteat = 0 AND g.source = 'ldap'`,
    `SELECT groupid, teamid, autoadd, schemeadmin, deleteat FROM groupteams`,
    `SELECT groupid, channelid, autoadd, schemeadmin, deleteat FROM groupchannels`,
    `SELECT id, name, groupconstrained, deleteat FROM teams`,
    `SELECT id, teamid, name, type, groupconstrained, deleteat FROM channels`,
  ],
  [
    `SELECT teamid, userid, schemeadmin, schemeguest, deleteat FROM teammembers`,
    `SELECT DISTINCT channelid, userid FROM channelmemberhistory`,
  ],
  [`SELECT channelid, userid, schemeadmin, schemeguest FROM channelmembers`],
]
const rawSelects = rawGroups.flat()

// Mattermost-style set-difference SQL for the same rules as planSync's default policy (system
// admins bypass, role sync on group-constrained syncables, no re-adds): one query per command kind,
// as Mattermost's TeamMembersToAdd / ...ToRemove / PermittedSyncableAdmins are. Verified to give the
// same (syncable, user) sets as planSync: the run prints whether they agree.
// Live group members of live links on live group-constrained syncables (removals and roles only look there).
const live = (link: 'groupteams' | 'groupchannels', key: 'teamid' | 'channelid') =>
  `SELECT l.${key} AS sid, gm.userid, bool_or(l.schemeadmin) AS admin FROM ${link} l
    JOIN ${key === 'teamid' ? 'teams' : 'channels'} s ON s.id = l.${key} AND s.deleteat = 0 AND s.groupconstrained
    JOIN usergroups g ON g.id = l.groupid AND g.deleteat = 0
    JOIN groupmembers gm ON gm.groupid = l.groupid AND gm.deleteat = 0
    WHERE l.deleteat = 0 GROUP BY 1, 2`
const notExempt = `u.roles NOT LIKE '%system_admin%' AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.userid = m.userid)`
const teamRemovals = `SELECT m.teamid, m.userid FROM teammembers m
    JOIN teams t ON t.id = m.teamid AND t.deleteat = 0 AND t.groupconstrained JOIN users u ON u.id = m.userid
    LEFT JOIN team_live x ON x.sid = m.teamid AND x.userid = m.userid
    WHERE m.deleteat = 0 AND ${notExempt} AND x.userid IS NULL`
export const baselineSql: Record<string, string> = {
  teamRemovals: `WITH team_live AS (${live('groupteams', 'teamid')}) ${teamRemovals}`,
  channelRemovals: `WITH team_live AS (${live('groupteams', 'teamid')}), team_removals AS (${teamRemovals}),
    channel_live AS (${live('groupchannels', 'channelid')})
    SELECT m.channelid, m.userid FROM channelmembers m
    JOIN channels c ON c.id = m.channelid AND c.deleteat = 0 AND c.groupconstrained JOIN users u ON u.id = m.userid
    LEFT JOIN channel_live x ON x.sid = m.channelid AND x.userid = m.userid
    WHERE ${notExempt} AND x.userid IS NULL
      AND NOT EXISTS (SELECT 1 FROM team_removals r WHERE r.teamid = c.teamid AND r.userid = m.userid)`,
  teamAdds: `SELECT DISTINCT l.teamid, gm.userid FROM groupteams l JOIN usergroups g ON g.id = l.groupid AND g.deleteat = 0
    JOIN groupmembers gm ON gm.groupid = l.groupid AND gm.deleteat = 0 JOIN teams t ON t.id = l.teamid AND t.deleteat = 0
    JOIN users u ON u.id = gm.userid AND u.deleteat = 0
    WHERE l.autoadd AND l.deleteat = 0 AND NOT EXISTS (SELECT 1 FROM teammembers m WHERE m.teamid = l.teamid AND m.userid = gm.userid)`,
  channelAdds: `SELECT DISTINCT l.channelid, gm.userid FROM groupchannels l JOIN usergroups g ON g.id = l.groupid AND g.deleteat = 0
    JOIN groupmembers gm ON gm.groupid = l.groupid AND gm.deleteat = 0 JOIN channels c ON c.id = l.channelid AND c.deleteat = 0
    JOIN users u ON u.id = gm.userid AND u.deleteat = 0
    WHERE l.autoadd AND l.deleteat = 0 AND NOT EXISTS (SELECT 1 FROM channelmemberhistory h WHERE h.channelid = l.channelid AND h.userid = gm.userid)`,
  teamRoles: `WITH team_live AS (${live('groupteams', 'teamid')})
    SELECT m.teamid, m.userid FROM teammembers m
    JOIN teams t ON t.id = m.teamid AND t.deleteat = 0 AND t.groupconstrained JOIN users u ON u.id = m.userid
    JOIN team_live x ON x.sid = m.teamid AND x.userid = m.userid
    WHERE m.deleteat = 0 AND NOT coalesce(m.schemeguest, false) AND ${notExempt}
      AND coalesce(m.schemeadmin, false) <> (x.admin AND u.roles NOT LIKE '%system_guest%')`,
  channelRoles: `WITH team_live AS (${live('groupteams', 'teamid')}), team_removals AS (${teamRemovals}),
    channel_live AS (${live('groupchannels', 'channelid')})
    SELECT m.channelid, m.userid FROM channelmembers m
    JOIN channels c ON c.id = m.channelid AND c.deleteat = 0 AND c.groupconstrained JOIN users u ON u.id = m.userid
    JOIN channel_live x ON x.sid = m.channelid AND x.userid = m.userid
    WHERE NOT coalesce(m.schemeguest, false) AND ${notExempt}
      AND coalesce(m.schemeadmin, false) <> (x.admin AND u.roles NOT LIKE '%system_guest%')
      AND NOT EXISTS (SELECT 1 FROM team_removals r WHERE r.teamid = c.teamid AND r.userid = m.userid)`,
}

async function timed<T>(fn: () => PromiseLike<T>): Promise<[T, number]> {
  const start = performance.now()
  const value = await fn()
  return [value, performance.now() - start]
}

// Pool size of every timed load, in this process and in the memory children.
const poolMax = 4

/** Load configurations timed and measured: the default parallel readers, and one connection. */
const configs: readonly { readonly name: string; readonly connections?: number }[] = [
  { name: 'parallel readers (default)' },
  { name: 'one connection', connections: 1 },
]

async function loadChild(url: string, connections: number | undefined): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax })
  gc()
  const before = process.memoryUsage()
  const [result, t] = await timed(() =>
    loadSyncState(pool, connections === undefined ? {} : { connections }),
  )
  const state = result._unsafeUnwrap()
  gc()
  const after = process.memoryUsage()
  const rows = state.teamMembers.length + state.channelMembers.length + state.channelHistory.length
  process.stdout.write(
    JSON.stringify({
      ms: t,
      rows,
      heapRetained: after.heapUsed - before.heapUsed,
      maxRss: process.resourceUsage().maxRSS * 1024,
      baseRss: before.rss,
    }),
  )
  await pool.end()
}

function spawnChild(url: string, connections: number | undefined): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        ...process.execArgv,
        new URL(import.meta.url).pathname,
        '--load-child',
        url,
        String(connections ?? 0),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    p.on('exit', (code) => {
      if (code === 0) resolve(out)
      else reject(new Error(`child exited ${code}`))
    })
  })
}

/**
 * Picks exactly `total` commands, in plan order, spreading the budget evenly over the kinds: a
 * kind with fewer commands than its share leaves the rest to the others. Undefined when the plan
 * has fewer than `total` commands.
 */
export function pickCommands(
  commands: readonly SyncCommand[],
  total: number,
): { commands: SyncCommand[]; perKind: Map<SyncCommandKind, number> } | undefined {
  if (commands.length < total) return undefined
  const available = new Map<SyncCommandKind, number>()
  for (const c of commands) available.set(c.kind, (available.get(c.kind) ?? 0) + 1)
  const budget = new Map<SyncCommandKind, number>()
  let left = total
  const kinds = [...available.entries()].sort((a, b) => a[1] - b[1])
  kinds.forEach(([kind, n], i) => {
    const share = Math.min(n, Math.ceil(left / (kinds.length - i)))
    budget.set(kind, share)
    left -= share
  })
  const perKind = new Map<SyncCommandKind, number>()
  const picked: SyncCommand[] = []
  for (const c of commands) {
    const n = perKind.get(c.kind) ?? 0
    if (n < (budget.get(c.kind) ?? 0)) {
      perKind.set(c.kind, n + 1)
      picked.push(c)
    }
  }
  return { commands: picked, perKind }
}

async function seed(pool: pg.Pool, size: keyof typeof stateSizes): Promise<void> {
  const [state, tGen] = await timed(() => Promise.resolve(generateState(stateSizes[size], 1)))
  const memberships = state.teamMembers.length + state.channelMembers.length
  const groupMemberships = state.groups.reduce((n, g) => n + g.memberIds.length, 0)
  console.log(
    `state: ${state.users.length} users, ${state.groups.length} groups, ${groupMemberships} group memberships, ${state.teams.length} teams, ${state.channels.length} channels, ` +
      `${state.teamMembers.length} team + ${state.channelMembers.length} channel memberships (${memberships}), ${state.channelHistory.length} history rows (generated in ${ms(tGen)})`,
  )
  ;(await createMattermostSchema(pool))._unsafeUnwrap()
  const [written, tWrite] = await timed(() =>
    writeSyncState(pool, state, { now: 1_700_000_000_000 }),
  )
  written._unsafeUnwrap()
  await pool.query('VACUUM ANALYZE')
  console.log(`writeSyncState: ${ms(tWrite)}`)
}

const verdict = (pass: boolean): string => (pass ? 'PASS' : 'FAIL')

async function main(): Promise<void> {
  const size = (process.argv[2] ?? 'XL') as keyof typeof stateSizes
  const pgBin = findPgBin()
  if (pgBin === undefined)
    throw new Error('PostgreSQL binaries not found (install the Debian package postgresql)')
  console.log(
    `# adapter-postgres load/apply benchmark, size ${size}, node ${process.version}, pool max ${poolMax}`,
  )
  const benchStart = performance.now()
  const server = await startPostgres(pgBin)
  try {
    const admin = new pg.Client({ connectionString: server.url() })
    await admin.connect()
    await admin.query('CREATE DATABASE bench')
    await admin.end()
    const url = server.url('bench')
    const pool = new pg.Pool({ connectionString: url, max: poolMax })

    await seed(pool, size)
    // The generated state is garbage now: measurements run with a small heap, as a real caller's.
    gc()
    const best = (xs: number[]): number => Math.min(...xs)
    const runs = (xs: number[]): string => `best ${ms(best(xs))} (runs ${xs.map(ms).join(', ')})`

    // Warm the cache once, then time each configuration.
    ;(await loadSyncState(pool))._unsafeUnwrap()
    const loads = new Map<string, number[]>()
    for (const config of configs) {
      const times: number[] = []
      for (let i = 0; i < 3; i++)
        times.push(
          (
            await timed(async () =>
              (
                await loadSyncState(pool, config.connections === undefined ? {} : config)
              )._unsafeUnwrap(),
            )
          )[1],
        )
      loads.set(config.name, times)
      console.log(`loadSyncState, ${config.name}: ${runs(times)}`)
    }

    // The floor: psql \copy of the same rows to /dev/null, serially in one process, and split over
    // as many concurrent processes as the parallel load uses connections.
    const psql = (selects: readonly string[]): Promise<unknown> => {
      const args = ['-h', server.host, '-p', String(server.port), '-U', 'postgres', '-d', 'bench']
      args.push('-q', '-X')
      for (const sql of selects) args.push('-c', `\\copy (${sql}) TO '/dev/null'`)
      return exec('psql', args)
    }
    const serialFloor: number[] = []
    const parallelFloor: number[] = []
    for (let i = 0; i < 3; i++) {
      serialFloor.push((await timed(() => psql(rawSelects)))[1])
      parallelFloor.push((await timed(() => Promise.all(rawGroups.map(psql))))[1])
    }
    console.log(
      `psql \\copy floor, one process (same rows, one per membership): ${runs(serialFloor)}`,
    )
    console.log(
      `psql \\copy floor, ${rawGroups.length} concurrent processes: ${runs(parallelFloor)}`,
    )
    const naive: number[] = []
    for (let i = 0; i < 2; i++) {
      naive.push(
        (
          await timed(async () => {
            const client = await pool.connect()
            let rows = 0
            for (const sql of rawSelects)
              rows += (await client.query({ text: sql, rowMode: 'array' })).rows.length
            client.release()
            return rows
          })
        )[1],
      )
    }
    console.log(
      `naive pg rowMode:'array' SELECT of the same rows, one connection (no objects built): ${runs(naive)}`,
    )

    for (const config of configs) {
      const m = JSON.parse(await spawnChild(url, config.connections)) as {
        ms: number
        rows: number
        heapRetained: number
        maxRss: number
        baseRss: number
      }
      console.log(
        `loadSyncState, ${config.name}, in a fresh process (pool max ${poolMax}): ${ms(m.ms)}, ${m.rows} membership+history rows, state retained on heap ${mb(m.heapRetained)}, maxRSS ${mb(m.maxRss)} (RSS before ${mb(m.baseRss)})`,
      )
    }

    // Mattermost-style set-difference SQL baseline vs planSync.
    const sqlRuns: number[] = []
    const sqlKeys: Record<string, Set<string>> = {}
    for (let i = 0; i < 2; i++) {
      const [, t] = await timed(async () => {
        for (const [name, sql] of Object.entries(baselineSql)) {
          const rows = (await pool.query({ text: sql, rowMode: 'array' })).rows as string[][]
          sqlKeys[name] = new Set(rows.map((r) => `${r[0]}:${r[1]}`))
        }
      })
      sqlRuns.push(t)
    }
    const loaded = (await loadSyncState(pool))._unsafeUnwrap()
    const planRuns: number[] = []
    let plan = planSync(loaded)
    for (let i = 0; i < 3; i++) {
      const [p, t] = await timed(() => Promise.resolve(planSync(loaded)))
      planRuns.push(t)
      plan = p
    }
    const kindOf: Record<string, SyncCommandKind> = {
      teamRemovals: 'removeTeamMember',
      channelRemovals: 'removeChannelMember',
      teamAdds: 'addTeamMember',
      channelAdds: 'addChannelMember',
      teamRoles: 'setTeamMemberAdmin',
      channelRoles: 'setChannelMemberAdmin',
    }
    let differing = 0
    const agreement = Object.entries(sqlKeys).map(([name, keys]) => {
      const core = new Set(
        [...plan.commands, ...plan.held]
          .filter((c) => c.kind === kindOf[name])
          .map((c) => `${'teamId' in c ? c.teamId : c.channelId}:${c.userId}`),
      )
      const same = core.size === keys.size && [...keys].every((k) => core.has(k))
      if (!same) differing++
      return `${name} ${keys.size}${same ? ' =' : ` vs planSync ${core.size} (DIFFERENT)`}`
    })
    console.log(`Mattermost-style set-difference SQL (6 queries, rows fetched): ${runs(sqlRuns)}`)
    console.log(
      `  same (syncable, user) sets as planSync (commands + held): ${agreement.join('; ')}`,
    )
    console.log(`planSync alone: ${runs(planRuns)}`)

    // Apply throughput: exactly 10k commands of every kind from a plan with limits off.
    const full = planSync(loaded, {
      limits: { maxRemovals: Number.POSITIVE_INFINITY, maxRemovalFraction: 1 },
    })
    const wanted = 10_000
    const picked = pickCommands(full.commands, wanted)
    let applyOk = false
    if (picked === undefined) {
      console.log(
        `applyPlan: FAIL, the plan has only ${full.commands.length} commands, fewer than ${wanted}: use a bigger size`,
      )
    } else {
      const targetFingerprint = fingerprintTarget(loaded)
      // GROUPROLES_BENCH_CHECK=touched: the touched-rows check instead of the full re-read.
      const check = process.env['GROUPROLES_BENCH_CHECK'] === 'touched' ? 'touched' : 'fingerprint'
      const [applied, tApply] = await timed(() =>
        applyPlan(pool, { commands: picked.commands, targetFingerprint }, { check }),
      )
      const report = applied._unsafeUnwrap()
      const done = Object.values(report.counts).reduce((a, b) => a + b, 0)
      applyOk = done === wanted
      const { staleCheckMs, writeMs } = report.timings
      console.log(
        `applyPlan (check: ${check}): ${picked.commands.length} commands ${JSON.stringify(Object.fromEntries(picked.perKind))} in one transaction: ${ms(tApply)} total; ` +
          `the stale check ${ms(staleCheckMs)}; writes ${ms(writeMs)} (${((wanted / writeMs) * 1000).toFixed(0)} commands/s); ` +
          `done ${done} ${JSON.stringify(report.counts)}`,
      )
    }

    const load = best(loads.get(configs[0]?.name ?? '') ?? [])
    const loadOne = best(loads.get('one connection') ?? [])
    const planMs = best(planRuns)
    const sqlMs = best(sqlRuns)
    console.log('## goals')
    console.log(
      `${verdict(load <= 2 * best(parallelFloor))} load (parallel readers) ≤ 2× floor (${rawGroups.length} psql processes): ${(load / best(parallelFloor)).toFixed(2)}×`,
    )
    console.log(
      `${verdict(loadOne <= 2 * best(serialFloor))} load (one connection) ≤ 2× floor (one psql process): ${(loadOne / best(serialFloor)).toFixed(2)}×`,
    )
    console.log(
      `${verdict(sqlMs >= 3 * planMs)} planSync ≥ 3× faster than the set-difference SQL: SQL / planSync ${(sqlMs / planMs).toFixed(1)}×`,
    )
    console.log(
      `(reported) SQL / (loadSyncState + planSync): ${(sqlMs / (load + planMs)).toFixed(2)}× (${ms(sqlMs)} vs ${ms(load)} + ${ms(planMs)})`,
    )
    console.log(`${verdict(differing === 0)} the SQL baseline computes the same sets as planSync`)
    console.log(`${verdict(applyOk)} applyPlan applied exactly ${wanted} commands`)
    console.log(`benchmark took ${((performance.now() - benchStart) / 1000) | 0} s`)
    if (differing > 0 || !applyOk) process.exitCode = 1
    await pool.end()
  } finally {
    await server.stop()
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  if (process.argv[2] === '--load-child') {
    const connections = Number(process.argv[4] ?? 0)
    await loadChild(process.argv[3] ?? '', connections > 0 ? connections : undefined)
  } else await main()
}
