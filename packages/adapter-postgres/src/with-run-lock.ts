import { err, ResultAsync, type Result } from 'neverthrow'
import { isSingleSession, type PostgresClient, type PostgresQueryable } from './postgres-client.js'
import { toPostgresError, type PostgresError } from './postgres-error.js'
import { hold, lockedOut, noteLockHold, type Held } from './internal/session.js'
import * as q from './queries.js'

/**
 * Runs `fn` while holding the session advisory lock named `key` (`pg_try_advisory_lock`) on a
 * connection of its own, so two runners (two replicas) never write at once. The loser gets
 * `alreadyRunning` at once instead of waiting. The lock is released however `fn` ends, a throw
 * included. On a one-session client (PGlite, a single `pg.Client`) the lock is taken on that
 * session, where it is re-entrant: it cannot exclude a second runner of the same session.
 * Calls inside `fn` on the same pool have one connection fewer: loads read over fewer parallel
 * connections, and on a pool of `max` 1 they fail with `poolTooSmall` instead of waiting forever.
 */
export function withRunLock<T, E>(
  client: PostgresClient,
  key: string,
  fn: () => ResultAsync<T, E>,
): ResultAsync<T, E | PostgresError> {
  return new ResultAsync(
    (async (): Promise<Result<T, E | PostgresError>> => {
      let held: Held
      const pooled = !isSingleSession(client)
      const refused = pooled ? lockedOut(client) : undefined
      if (refused !== undefined) return err(refused)
      try {
        // A pool gives the lock its own connection; a single session can only lock itself.
        held = pooled ? await hold(client) : { conn: client, release: () => undefined }
      } catch (e) {
        return err(toPostgresError(e, 'connecting for the run lock'))
      }
      // Calls inside `fn` see that this connection is taken (`lockedOut`).
      if (pooled) noteLockHold(client, 1)
      let locked = false
      try {
        const got = await tryLock(held.conn, key)
        if (got.isErr()) return err(got.error)
        locked = got.value
        if (!locked) {
          return err({
            kind: 'alreadyRunning',
            message: `another runner holds the run lock "${key}"`,
            key,
          })
        }
        return await fn()
      } finally {
        // If the unlock fails the connection is broken, and its session (and lock) ends with it.
        const unlocked = locked ? await unlock(held.conn, key) : true
        if (pooled) noteLockHold(client, -1)
        held.release(!unlocked)
      }
    })(),
  )
}

function tryLock(conn: PostgresQueryable, key: string): ResultAsync<boolean, PostgresError> {
  return ResultAsync.fromPromise(
    conn.query({ text: q.tryLock, values: [key], rowMode: 'array' }),
    (e) => toPostgresError(e, 'taking the run lock'),
  ).map((r) => (r.rows[0] as unknown[] | undefined)?.[0] === true)
}

async function unlock(conn: PostgresQueryable, key: string): Promise<boolean> {
  return conn.query({ text: q.unlock, values: [key] }).then(
    () => true,
    () => false,
  )
}
