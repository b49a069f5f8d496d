import { okAsync, type ResultAsync } from 'neverthrow'
import type { PostgresClient, PostgresQueryable } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { inTransaction, run } from './internal/session.js'
import * as q from './queries.js'

/**
 * Creates or upgrades grouproles' own schema (`grouproles`: the run journal) in one transaction.
 * Idempotent, and safe when several processes migrate at once (a transaction-scoped advisory lock
 * serialises them). Returns the versions it applied (empty when already up to date).
 */
export function migrate(client: PostgresClient): ResultAsync<readonly number[], PostgresError> {
  return inTransaction(client, 'BEGIN', (conn) =>
    run(conn, 'locking migrations', q.migrationLock, ['grouproles.migrate'])
      .andThen(() => runAll(conn, q.createMigrationsTable))
      .andThen(() => run(conn, 'reading applied migrations', q.selectMigrations))
      .andThen((rows) => {
        const done = new Set(rows.map((r) => Number((r as { version: unknown }).version)))
        const pending = q.migrations.filter((m) => !done.has(m.version))
        let chain: ResultAsync<number[], PostgresError> = okAsync([])
        for (const m of pending) {
          chain = chain.andThen((applied) =>
            runAll(conn, m.sql)
              .andThen(() =>
                run(conn, `recording migration ${m.version}`, q.insertMigration, [m.version]),
              )
              .map(() => [...applied, m.version]),
          )
        }
        return chain
      }),
  )
}

function runAll(
  conn: PostgresQueryable,
  statements: readonly string[],
): ResultAsync<void, PostgresError> {
  let chain: ResultAsync<void, PostgresError> = okAsync(undefined)
  for (const sql of statements)
    chain = chain.andThen(() =>
      run(conn, 'migrating the grouproles schema', sql).map(() => undefined),
    )
  return chain
}
