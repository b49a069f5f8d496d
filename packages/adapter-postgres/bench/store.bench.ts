// Benchmark: PostgresMembershipStore at a generated size. Run with
//   pnpm --filter @grouproles/adapter-postgres bench:store [XL|L|M|S]
// On a throwaway Postgres cluster (started and stopped here) and on PGlite in a data directory, it
// times a REST run's use of the store: open, first remember (empty store), then as each later run
// does, a fresh store's recall + remember of the same memberships (nothing new) and of a few new
// ones. "Rows written" counts rows whose updated_at moved; "pairs sent" what went to the server.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { Result } from 'neverthrow'
import type { RememberedMemberships, SyncState } from '@grouproles/core'
import { generateState, stateSizes } from '@grouproles/core/testing'
import {
  fromPglite,
  PostgresMembershipStore,
  type PostgresClient,
  type PostgresQuery,
} from '../src/index.js'
import { findPgBin, startPostgres } from '../test/start-postgres.js'

const site = { siteId: 'benchsite00000000000000000', siteUrl: 'https://mm.bench.test' }
const gc = (): void => (globalThis as { gc?: () => void }).gc?.()
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`

/** What a REST run remembers after a load: active team rows and channel rows. */
function remembered(state: SyncState): RememberedMemberships {
  const group = (pairs: [string, string][]): Map<string, string[]> => {
    const out = new Map<string, string[]>()
    for (const [s, u] of pairs) {
      const list = out.get(s)
      if (list === undefined) out.set(s, [u])
      else list.push(u)
    }
    return out
  }
  const teams = group(
    state.teamMembers.filter((m) => m.deleted !== true).map((m) => [m.teamId, m.userId]),
  )
  const channels = group(state.channelMembers.map((m) => [m.channelId, m.userId]))
  return {
    teams: [...teams].map(([teamId, userIds]) => ({ teamId, userIds })),
    channels: [...channels].map(([channelId, userIds]) => ({ channelId, userIds })),
  }
}

/** `n` adds (a run's): users added to existing channels and teams, drawn from `seed` on. */
function additions(state: SyncState, n: number, seed: number): RememberedMemberships {
  const users = state.users.map((u) => u.id)
  const channels: { channelId: string; userIds: string[] }[] = []
  const teams: { teamId: string; userIds: string[] }[] = []
  for (let i = seed; i < seed + n; i++) {
    const userId = users[(i * 7919) % users.length] ?? ''
    if (i % 4 === 0)
      teams.push({ teamId: state.teams[i % state.teams.length]?.id ?? '', userIds: [userId] })
    else
      channels.push({
        channelId: state.channels[(i * 31) % state.channels.length]?.id ?? '',
        userIds: [userId],
      })
  }
  return { teams, channels }
}

/** Counts the (syncable, user) pairs the store sends in its remember statements. */
function counting(
  client: PostgresClient,
  isPool: boolean,
): { client: PostgresClient; sent: () => number } {
  let pairs = 0
  const query = (query: PostgresQuery) => {
    if (query.text.includes('remembered_memberships AS r'))
      for (const [, , users] of JSON.parse(String(query.values?.[0])) as [
        string,
        string,
        string[],
      ][])
        pairs += users.length
    return client.query(query)
  }
  const watched: PostgresClient =
    isPool && 'connect' in client ? { query, connect: () => client.connect() } : { query }
  return { client: watched, sent: () => pairs }
}

async function timed<T>(fn: () => PromiseLike<T>): Promise<[T, number]> {
  const start = performance.now()
  const value = await fn()
  return [value, performance.now() - start]
}

async function must<T, E>(r: PromiseLike<Result<T, E>>): Promise<T> {
  const result = await r
  if (result.isErr()) throw new Error(JSON.stringify(result.error))
  return result.value
}

async function written(client: PostgresClient, since: string): Promise<number> {
  const r = await client.query({
    text: 'SELECT count(*)::int FROM grouproles.remembered_memberships WHERE updated_at > $1::timestamptz',
    values: [since],
    rowMode: 'array',
  })
  return Number((r.rows[0] as unknown[])[0])
}

async function clock(client: PostgresClient): Promise<string> {
  const r = await client.query({ text: 'SELECT clock_timestamp()::text', rowMode: 'array' })
  return String((r.rows[0] as unknown[])[0])
}

async function runOn(
  name: string,
  raw: PostgresClient,
  isPool: boolean,
  full: RememberedMemberships,
  deltas: readonly RememberedMemberships[],
): Promise<void> {
  const { client, sent } = counting(raw, isPool)
  console.log(`\n== ${name}`)
  const [first, openMs] = await timed(() => must(PostgresMembershipStore.open(client, site)))
  console.log(`open (migrate, bind site): ${openMs.toFixed(0)} ms`)
  let mark = await clock(raw)
  const [, firstMs] = await timed(() => must(first.remember(full)))
  console.log(
    `first remember (empty store): ${firstMs.toFixed(0)} ms, rows written ${String(await written(raw, mark))}, pairs sent ${String(sent())}`,
  )
  const size = await raw.query({
    text: `SELECT pg_total_relation_size('grouproles.remembered_memberships')`,
    rowMode: 'array',
  })
  console.log(`table size: ${mb(Number((size.rows[0] as unknown[])[0]))}`)

  for (const [round, delta] of deltas.entries()) {
    gc()
    const heap = process.memoryUsage().heapUsed
    const store = await must(PostgresMembershipStore.open(client, site))
    const [memory, recallMs] = await timed(() => must(store.recall()))
    gc()
    const recalledHeap = process.memoryUsage().heapUsed
    const before = sent()
    mark = await clock(raw)
    const [, sameMs] = await timed(() => must(store.remember(full)))
    const sameRows = await written(raw, mark)
    const samePairs = sent() - before
    mark = await clock(raw)
    const [, deltaMs] = await timed(() => must(store.remember(delta)))
    const deltaRows = await written(raw, mark)
    const deltaPairs = sent() - before - samePairs
    const count = memory.teams.length + memory.channels.length
    console.log(
      `run ${String(round + 1)}: recall ${recallMs.toFixed(0)} ms (${String(count)} syncables, heap held ${mb(recalledHeap - heap)}); ` +
        `remember, nothing new ${sameMs.toFixed(0)} ms (rows written ${String(sameRows)}, pairs sent ${String(samePairs)}); ` +
        `remember ${String(delta.teams.length + delta.channels.length)} adds ${deltaMs.toFixed(0)} ms (rows written ${String(deltaRows)}, pairs sent ${String(deltaPairs)}); ` +
        `recall + remember(same) ${(recallMs + sameMs).toFixed(0)} ms`,
    )
  }
}

async function main(): Promise<void> {
  const size = (process.argv[2] ?? 'XL') as keyof typeof stateSizes
  const state = generateState(stateSizes[size], 1)
  const full = remembered(state)
  const pairs =
    full.teams.reduce((n, t) => n + t.userIds.length, 0) +
    full.channels.reduce((n, c) => n + c.userIds.length, 0)
  console.log(
    `size ${size}: ${String(full.teams.length + full.channels.length)} syncables, ${String(pairs)} memberships to remember`,
  )
  const deltas = [additions(state, 1_000, 0), additions(state, 1_000, 1_000)]

  const pgBin = findPgBin()
  if (pgBin === undefined) throw new Error('PostgreSQL server binaries not found')
  const server = await startPostgres(pgBin)
  const pool = new pg.Pool({ connectionString: server.url(), max: 4 })
  try {
    await runOn('PostgreSQL (pg.Pool)', pool, true, full, deltas)
  } finally {
    await pool.end()
    await server.stop()
  }

  const dir = await mkdtemp(join(tmpdir(), 'grouproles-store-bench-'))
  try {
    const db = new PGlite(dir)
    await runOn(`PGlite (data directory)`, fromPglite(db), true, full, deltas)
    await db.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
