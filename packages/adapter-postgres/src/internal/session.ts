import { err, ok, ResultAsync, type Result } from 'neverthrow'
import { isPool, type PostgresClient, type PostgresQueryable } from '../postgres-client.js'
import { toPostgresError, type PostgresError } from '../postgres-error.js'

/** One held connection and how to give it back (`destroy` after a bug left it in an unknown state). */
export interface Held {
  readonly conn: PostgresQueryable
  readonly release: (destroy?: boolean) => void
}

export async function hold(client: PostgresClient): Promise<Held> {
  if (!isPool(client)) return { conn: client, release: () => undefined }
  const conn = await client.connect()
  return {
    conn,
    release: (destroy) => {
      conn.release(destroy === true ? true : undefined)
    },
  }
}

/** Runs one statement; `doing` names it in the error. */
export function run(
  conn: PostgresQueryable,
  doing: string,
  text: string,
  values?: unknown[],
): ResultAsync<unknown[], PostgresError> {
  return ResultAsync.fromPromise(
    conn.query(values === undefined ? { text } : { text, values }),
    (e) => toPostgresError(e, doing),
  ).map((r) => r.rows)
}

/** Runs one statement returning rows as arrays (no per-row objects keyed by column name). */
export function runArrays(
  conn: PostgresQueryable,
  doing: string,
  text: string,
  values?: unknown[],
): ResultAsync<unknown[][], PostgresError> {
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
  return new ResultAsync(
    (async (): Promise<Result<T, PostgresError>> => {
      let held: Held
      try {
        held = await hold(client)
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
