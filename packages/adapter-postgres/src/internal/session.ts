import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow'
import {
  freeConnections,
  isPool,
  poolMax,
  type PostgresClient,
  type PostgresPool,
  type PostgresQueryable,
} from '../postgres-client.js'
import { toPostgresError, type PostgresError } from '../postgres-error.js'

/** One held connection and how to give it back (`destroy` after a bug left it in an unknown state). */
export interface Held {
  readonly conn: PostgresQueryable
  readonly release: (destroy?: boolean) => void
}

export async function hold(client: PostgresClient): Promise<Held> {
  if (!isPool(client)) return { conn: client, release: () => undefined }
  return heldOf(await client.connect())
}

function heldOf(conn: Awaited<ReturnType<PostgresPool['connect']>>): Held {
  return {
    conn,
    release: (destroy) => {
      conn.release(destroy === true ? true : undefined)
    },
  }
}

// Connections of each pool that `withRunLock` holds for the length of its runner.
const lockHolds = new WeakMap<object, number>()

/** Counts a connection `withRunLock` holds (`+1`) or gave back (`-1`). */
export function noteLockHold(client: PostgresClient, delta: 1 | -1): void {
  lockHolds.set(client, (lockHolds.get(client) ?? 0) + delta)
}

/**
 * `poolTooSmall` when `client` is a pool whose every connection the run lock holds: a `connect()`
 * would wait forever (pg's `connectionTimeoutMillis` defaults to none), so refuse instead.
 */
export function lockedOut(client: PostgresClient): PostgresError | undefined {
  const max = isPool(client) ? poolMax(client) : undefined
  const held = lockHolds.get(client) ?? 0
  if (max === undefined || held < max) return undefined
  return {
    kind: 'poolTooSmall',
    message: `withRunLock holds ${held} of the pool's max ${max} connection(s), so this call can never get one; use a pool of max >= ${held + 1} or lock on a client of its own`,
    max,
  }
}

/**
 * Takes up to `n` more connections of `client` that are free right now, never queueing for one
 * (queueing while holding a connection is how two callers deadlock a full pool). A pool that does
 * not expose its counts gets `n` plain `connect()` calls: its caller asked for them explicitly.
 */
export function takeFree(client: PostgresClient, n: number): Promise<Held>[] {
  if (!isPool(client) || n < 1) return []
  const free = freeConnections(client)
  const count = Math.min(n, free ?? n)
  // Each connect() reserves its connection (or its place before later callers) synchronously.
  return Array.from({ length: count }, () => client.connect().then(heldOf))
}

/** Runs one statement; `doing` names it in the error. */
export function run(
  conn: PostgresClient,
  doing: string,
  text: string,
  values?: unknown[],
): ResultAsync<unknown[], PostgresError> {
  // A pool's own query() checks a connection out too.
  const refused = lockedOut(conn)
  if (refused !== undefined) return errAsync(refused)
  return ResultAsync.fromPromise(
    conn.query(values === undefined ? { text } : { text, values }),
    (e) => toPostgresError(e, doing),
  ).map((r) => r.rows)
}

/** Runs one statement returning rows as arrays (no per-row objects keyed by column name). */
export function runArrays(
  conn: PostgresClient,
  doing: string,
  text: string,
  values?: unknown[],
): ResultAsync<unknown[][], PostgresError> {
  const refused = lockedOut(conn)
  if (refused !== undefined) return errAsync(refused)
  return ResultAsync.fromPromise(
    conn.query(
      values === undefined ? { text, rowMode: 'array' } : { text, values, rowMode: 'array' },
    ),
    (e) => toPostgresError(e, doing),
  ).map((r) => r.rows as unknown[][])
}

/**
 * Runs `fn` inside `begin` … COMMIT on one held connection. An `Err` from `fn` or a failed COMMIT
 * rolls back; a throw (a bug) rolls back, drops the connection and rethrows.
 */
export function inTransaction<T>(
  client: PostgresClient,
  begin: string,
  fn: (conn: PostgresQueryable) => ResultAsync<T, PostgresError>,
): ResultAsync<T, PostgresError> {
  const refused = lockedOut(client)
  if (refused !== undefined) return new ResultAsync(Promise.resolve(err(refused)))
  return inTransactionOn(hold(client), begin, fn)
}

/** `inTransaction` on a connection already asked for (`hold`, `takeFree`). */
export function inTransactionOn<T>(
  connection: Promise<Held>,
  begin: string,
  fn: (conn: PostgresQueryable) => ResultAsync<T, PostgresError>,
): ResultAsync<T, PostgresError> {
  return new ResultAsync(
    (async (): Promise<Result<T, PostgresError>> => {
      let held: Held
      try {
        held = await connection
      } catch (e) {
        return err(toPostgresError(e, 'connecting'))
      }
      let destroy = false
      try {
        const begun = await run(held.conn, 'starting a transaction', begin)
        if (begun.isErr()) return err(begun.error)
        const result = await fn(held.conn)
        if (result.isErr()) {
          await rollback(held.conn)
          return result
        }
        const committed = await run(held.conn, 'committing', 'COMMIT')
        if (committed.isErr()) {
          await rollback(held.conn)
          return err(committed.error)
        }
        return ok(result.value)
      } catch (e) {
        destroy = true
        await rollback(held.conn)
        throw e
      } finally {
        held.release(destroy)
      }
    })(),
  )
}

async function rollback(conn: PostgresQueryable): Promise<void> {
  // A failed ROLLBACK means the connection is gone, which ends the transaction as well.
  await conn.query({ text: 'ROLLBACK' }).catch(() => undefined)
}
