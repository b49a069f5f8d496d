import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { PostgresClient, PostgresQueryable } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { inTransaction, run } from './internal/session.js'
import * as q from './queries.js'

/** The newest schema version this package knows (the last migration's number). */
export const schemaVersion: number = Math.max(...q.migrations.map((m) => m.version))

/**
 * Creates or upgrades grouproles' own schema (`grouproles`: the run journal, the membership store)
 * in one transaction. Idempotent, and safe when several processes migrate at once (a
 * transaction-scoped advisory lock serialises them). Returns the versions it applied (empty when
 * already up to date). A schema migrated by a newer version of this package is refused with
 * `schemaTooNew` and left as it is.
 */
export function migrate(client: PostgresClient): ResultAsync<readonly number[], PostgresError> {
  return inTransaction(client, 'BEGIN', migrateOn)
}

/** `migrate` inside a transaction the caller holds (so it can write more before committing). */
export function migrateOn(conn: PostgresQueryable): ResultAsync<readonly number[], PostgresError> {
  return run(conn, 'locking migrations', q.migrationLock, ['grouproles.migrate'])
    .andThen(() => runAll(conn, q.createMigrationsTable))
    .andThen(() => run(conn, 'reading applied migrations', q.selectMigrations))
    .andThen((rows) => {
      const done = new Set(rows.map((r) => Number((r as { version: unknown }).version)))
      const newest = Math.max(0, ...done)
      if (newest > schemaVersion)
        return errAsync<readonly number[], PostgresError>({
          kind: 'schemaTooNew',
          message: `the grouproles schema is at version ${newest}, written by a newer grouproles; this one knows up to version ${schemaVersion}: upgrade it (nothing was written)`,
          storeVersion: newest,
          supportedVersion: schemaVersion,
        })
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
      // The meta table exists from version 2 on; it mirrors the version for people and tools.
      return chain.andThen((applied) =>
        applied.length === 0
          ? okAsync(applied)
          : run(conn, 'recording the schema version', q.upsertSchemaVersion, [
              String(schemaVersion),
            ]).map(() => applied),
      )
    })
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
