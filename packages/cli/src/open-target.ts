import { readFileSync } from 'node:fs'
import type { SyncState, SyncTarget } from '@grouproles/core'
import type { PostgresClient, PostgresError } from '@grouproles/adapter-postgres'
import type { MattermostError } from '@grouproles/adapter-mattermost'
import { err, ok, type Result } from 'neverthrow'
import { badInput, failure, messageOf, type CliError } from './cli-error.js'
import type { GroupRolesConfig } from './config/read-config.js'
import { demoAssets } from './demo-assets.js'

/** What fails a Mattermost load or apply, on either target. */
export type TargetError = PostgresError | MattermostError

/** An opened Mattermost: the port, a line saying what it is, and how to close it. */
export interface OpenedTarget {
  readonly target: SyncTarget<TargetError>
  readonly description: string
  /** The demo's in-memory Mattermost (nothing real is touched). */
  readonly embedded: boolean
  /** A Postgres database for the run lock (serve), when the target has one. */
  readonly lockClient?: PostgresClient
  close(): Promise<void>
}

/**
 * Opens the Mattermost side: `--demo` (the package's in-memory Rocky Linux Mattermost), else
 * `MATTERMOST_URL` + `MATTERMOST_TOKEN` (the REST API), else `DATABASE_URL` (its Postgres). Heavy
 * modules (pg, PGlite, the adapters) load only here, so `--help` stays fast.
 */
export async function openTarget(
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly demo: boolean; readonly config?: GroupRolesConfig },
): Promise<Result<OpenedTarget, CliError>> {
  if (options.demo) return openDemo()
  const url = env['MATTERMOST_URL']
  const token = env['MATTERMOST_TOKEN']
  if (url !== undefined && url !== '') {
    if (token === undefined || token === '')
      return err(badInput('noTarget', 'MATTERMOST_URL is set but MATTERMOST_TOKEN is not'))
    const { createMattermostClient, MattermostSyncTarget } =
      await import('@grouproles/adapter-mattermost')
    let client
    try {
      client = createMattermostClient({ url, token })
    } catch (e) {
      return err(badInput('invalidTarget', `MATTERMOST_URL: ${messageOf(e)}`))
    }
    const channelIds = (env['MATTERMOST_CHANNEL_IDS'] ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '')
    return ok({
      target: new MattermostSyncTarget(client, channelIds.length > 0 ? { channelIds } : {}),
      description: `REST API ${url}`,
      embedded: false,
      close: () => Promise.resolve(),
    })
  }
  const databaseUrl = env['DATABASE_URL']
  if (databaseUrl !== undefined && databaseUrl !== '') {
    const [{ default: pg }, { PostgresSyncTarget }] = await Promise.all([
      import('pg'),
      import('@grouproles/adapter-postgres'),
    ])
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
    // An idle client's error (a restarted server) must not crash the process: the next query fails.
    pool.on('error', () => undefined)
    return ok({
      target: new PostgresSyncTarget(pool),
      description: 'the database at DATABASE_URL',
      embedded: false,
      lockClient: pool,
      close: () => pool.end(),
    })
  }
  return err(
    badInput(
      'noTarget',
      'no Mattermost to sync: set DATABASE_URL, or MATTERMOST_URL and MATTERMOST_TOKEN, or pass --demo',
    ),
  )
}

/** The demo's Mattermost: an in-process PGlite seeded from the package's `demo-mattermost.json`. */
async function openDemo(): Promise<Result<OpenedTarget, CliError>> {
  const [{ PGlite }, postgres, testing] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@grouproles/adapter-postgres'),
    import('@grouproles/adapter-postgres/testing'),
  ])
  let seed: SyncState
  try {
    seed = JSON.parse(readFileSync(demoAssets.mattermost, 'utf8')) as SyncState
  } catch (e) {
    return err(failure('demoUnavailable', `the demo's Mattermost cannot be read: ${messageOf(e)}`))
  }
  const db = await PGlite.create()
  const client = postgres.fromPglite(db)
  const seeded = await testing
    .createMattermostSchema(client)
    .andThen(() => testing.writeSyncState(client, seed, { now: 1_764_000_000_000 }))
  if (seeded.isErr()) {
    await db.close()
    return err(
      failure('demoUnavailable', `could not seed the demo's Mattermost: ${seeded.error.message}`),
    )
  }
  return ok({
    target: new postgres.PostgresSyncTarget(client),
    description: "the demo's in-memory Mattermost (Rocky Linux example)",
    embedded: true,
    lockClient: client,
    close: () => db.close(),
  })
}
