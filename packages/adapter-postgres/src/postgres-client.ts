/** A query as the adapter sends it: `pg`'s `QueryConfig` subset. */
export interface PostgresQuery {
  readonly text: string
  readonly values?: unknown[]
  readonly rowMode?: 'array'
}

/** The part of a query result the adapter reads. */
export interface PostgresQueryResult {
  readonly rows: unknown[]
  readonly rowCount: number | null
}

/** Anything that runs one query: `pg.Client`, `pg.PoolClient`, `pg.Pool` (structural, no `pg` import). */
export interface PostgresQueryable {
  query(query: PostgresQuery): Promise<PostgresQueryResult>
}

/** One connection taken out of a pool (`pg.PoolClient`); `release` gives it back. */
export interface PostgresPoolClient extends PostgresQueryable {
  release(destroy?: boolean | Error): void
}

/** A pool (`pg.Pool`): hands out one connection to hold a transaction or a session lock. */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresPoolClient>
}

/**
 * What every function of this package takes: a pool (`pg.Pool`, `fromPglite(db)`) or one
 * connection (`pg.Client`, a checked-out `pg.PoolClient`). A single connection must not be used by
 * anyone else while a call runs, because its transaction would take their queries in.
 */
export type PostgresClient = PostgresPool | PostgresQueryable

/** The structural subset of `@electric-sql/pglite`'s `PGlite` that `fromPglite` needs. */
export interface PgliteLike {
  query(
    text: string,
    params?: unknown[],
    options?: { rowMode?: 'array' | 'object' },
  ): Promise<{ rows: unknown[]; affectedRows?: number; rowCount?: number }>
}

// Clients with one session only: a lock held "on a dedicated connection" is held on this session.
const singleSession = new WeakSet<object>()

/**
 * Wraps an in-process PGlite as a `PostgresPool`. PGlite has one session, so `connect()` waits until
 * the previous holder released it; queries made outside a held connection wait too.
 */
export function fromPglite(db: PgliteLike): PostgresPool {
  let tail: Promise<void> = Promise.resolve()
  // A FIFO mutex: each holder waits for the previous one, then hands over on release.
  const acquire = async (): Promise<() => void> => {
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    const previous = tail
    tail = previous.then(() => held)
    await previous
    return release
  }
  const run = async (query: PostgresQuery): Promise<PostgresQueryResult> => {
    const result = await db.query(
      query.text,
      query.values,
      query.rowMode === 'array' ? { rowMode: 'array' } : {},
    )
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? null }
  }
  const pool: PostgresPool = {
    async query(query) {
      const release = await acquire()
      try {
        return await run(query)
      } finally {
        release()
      }
    },
    async connect() {
      const release = await acquire()
      let released = false
      return {
        query: run,
        release: () => {
          if (!released) release()
          released = true
        },
      }
    },
  }
  singleSession.add(pool)
  return pool
}

/** A client that only runs `query(text, values)` and returns rows as objects keyed by column. */
export interface TextQueryable {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ readonly rows: unknown[]; readonly rowCount?: number | null }>
}

/** A pool of `TextQueryable` connections: `connect()` hands one out, `release` gives it back. */
export interface TextPool extends TextQueryable {
  connect(): Promise<TextQueryable & { release(destroy?: boolean | Error): void }>
}

/**
 * Adapts a client with the plain `query(text, values)` form (no `QueryConfig`, no `rowMode`) to
 * `PostgresClient`: rows asked for as arrays are rebuilt from the row objects in column order
 * (every column the adapter reads as an array has a unique, non-numeric name). A `TextPool`
 * stays a pool; its size is unknown, so loads read over one connection unless told otherwise.
 */
export function fromTextQueries(client: TextPool): PostgresPool
export function fromTextQueries(client: TextQueryable): PostgresQueryable
export function fromTextQueries(client: TextQueryable | TextPool): PostgresClient {
  const runOn =
    (conn: TextQueryable) =>
    async (query: PostgresQuery): Promise<PostgresQueryResult> => {
      const result = await conn.query(query.text, query.values)
      const rows =
        query.rowMode === 'array'
          ? result.rows.map((row) => Object.values(row as Record<string, unknown>))
          : result.rows
      return { rows, rowCount: result.rowCount ?? null }
    }
  const query = runOn(client)
  if (!('connect' in client)) return { query }
  return {
    query,
    async connect() {
      const conn = await client.connect()
      return {
        query: runOn(conn),
        release: (destroy) => {
          conn.release(destroy)
        },
      }
    },
  }
}

/** True when `client` hands out connections; a `pg.Client` or `pg.PoolClient` is one connection. */
export function isPool(client: PostgresClient): client is PostgresPool {
  if (!('connect' in client) || typeof client.connect !== 'function') return false
  // pg.PoolClient has `release`; pg.Client keeps its `connectionParameters`; both are one session.
  return !('release' in client) && !('connectionParameters' in client)
}

/** The counters `pg.Pool` exposes; a pool without them is of unknown size. */
interface PoolCounts {
  readonly options: { readonly max: number }
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
}

function countsOf(client: PostgresClient): PoolCounts | undefined {
  const c = client as Partial<PoolCounts>
  return typeof c.options?.max === 'number' &&
    typeof c.totalCount === 'number' &&
    typeof c.idleCount === 'number' &&
    typeof c.waitingCount === 'number'
    ? (c as PoolCounts)
    : undefined
}

/** A pool's `max` (`pg.Pool`'s `options.max`), or undefined when the pool does not tell. */
export function poolMax(client: PostgresClient): number | undefined {
  const max = (client as { options?: { max?: unknown } }).options?.max
  return typeof max === 'number' ? max : undefined
}

/**
 * How many connections `connect()` would hand out right now without queueing: idle ones plus room
 * below `max`, less those already waited for. Undefined when the pool does not expose its counts.
 */
export function freeConnections(client: PostgresClient): number | undefined {
  const c = countsOf(client)
  if (c === undefined) return undefined
  return Math.max(0, c.idleCount + Math.max(0, c.options.max - c.totalCount) - c.waitingCount)
}

/** True when the client has one session only (PGlite), so session locks cannot contend. */
export function isSingleSession(client: PostgresClient): boolean {
  return singleSession.has(client) || !isPool(client)
}
