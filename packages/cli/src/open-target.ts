import { mkdirSync, readFileSync } from 'node:fs'
import { redactUrls, type SyncState, type SyncTarget } from '@grouproles/core'
import type { SyncHistoryStore } from '@grouproles/core'
import type { PostgresClient, PostgresError } from '@grouproles/adapter-postgres'
import type { MattermostError } from '@grouproles/adapter-mattermost'
import { err, ok, type Result } from 'neverthrow'
import { badInput, failure, messageOf, usageError, type CliError } from './cli-error.js'
import { journaledDatabaseTarget, journaledTarget } from './journaled-target.js'
import type { GroupRolesConfig } from './config/read-config.js'
import { demoAssets } from './demo-assets.js'
import { flagVariable } from './open-groups.js'

/** What fails a Mattermost load or apply, on either target. */
export type TargetError = PostgresError | MattermostError

/** An opened Mattermost: the port, a line saying what it is, and how to close it. */
export interface OpenedTarget {
  readonly target: SyncTarget<TargetError>
  /**
   * Where the safety rules remember earlier runs: the REST store's database, or Mattermost's own
   * (created on the first applied run, never by a dry run).
   */
  readonly history: SyncHistoryStore<TargetError>
  /** User info in URLs redacted. */
  readonly description: string
  /** The insecure transport `mattermost.insecure` / `MATTERMOST_INSECURE=1` allowed, if any. */
  readonly warnings?: readonly string[]
  /** The demo's in-memory Mattermost (nothing real is touched). */
  readonly embedded: boolean
  /**
   * A Postgres database for the run lock (serve): Mattermost's with DATABASE_URL, the store's
   * (`store.url` or the PGlite in `store.dataDir`) with the REST API.
   */
  readonly lockClient?: PostgresClient
  close(): Promise<void>
}

/**
 * Opens the Mattermost side: `--demo` (the package's in-memory Rocky Linux Mattermost), else
 * `MATTERMOST_URL` + `MATTERMOST_TOKEN` (the REST API, with the config's store), else `DATABASE_URL`
 * (its Postgres). Heavy
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
    if (options.config === undefined)
      return err(
        usageError(
          'the REST API needs --config: its store (who left) and Mattermost scope make the plan',
        ),
      )
    return openRest(url, token, env, options.config)
  }
  const databaseUrl = env['DATABASE_URL']
  if (databaseUrl !== undefined && databaseUrl !== '') {
    const [{ default: pg }, postgres] = await Promise.all([
      import('pg'),
      import('@grouproles/adapter-postgres'),
    ])
    const { PostgresHistoryStore, PostgresSyncTarget } = postgres
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
    // An idle client's error (a restarted server) must not crash the process: the next query fails.
    pool.on('error', () => undefined)
    return ok({
      // Every apply follows a full load in the same run (runSync; apply re-plans and checks each
      // command): the transaction re-checks only the rows the commands touch (issue 11 item 3).
      // Journalled in the database's grouproles schema, so `revert` can undo it.
      target: journaledDatabaseTarget(
        new PostgresSyncTarget(pool, { check: 'touched' }),
        postgres,
        pool,
      ),
      history: PostgresHistoryStore.migratingOnSave(pool),
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
    target: journaledDatabaseTarget(
      new postgres.PostgresSyncTarget(client, { check: 'touched' }),
      postgres,
      client,
    ),
    history: postgres.PostgresHistoryStore.migratingOnSave(client),
    description: "the demo's in-memory Mattermost (Rocky Linux example)",
    embedded: true,
    lockClient: client,
    close: () => db.close(),
  })
}

/**
 * The REST API: groups come from the directory (`groups: 'none'`: no group route, so Team Edition
 * works), channels are listed per team in `mattermost.teams` (every team when unset), and the
 * config's store (Postgres at `store.url`, else PGlite in `store.dataDir`) is bound to the server's
 * site identity: it remembers who was a member, journals every apply (`target: 'rest'`) and holds
 * `serve`'s run lock. `MATTERMOST_CHANNEL_IDS` (comma-separated) optionally adds channels the
 * listing does not show (archived private ones).
 */
async function openRest(
  url: string,
  token: string,
  env: Readonly<Record<string, string | undefined>>,
  config: GroupRolesConfig,
): Promise<Result<OpenedTarget, CliError>> {
  const [mattermost, postgres] = await Promise.all([
    import('@grouproles/adapter-mattermost'),
    import('@grouproles/adapter-postgres'),
  ])
  const insecureVar = flagVariable(env, 'MATTERMOST_INSECURE')
  if (insecureVar.isErr()) return err(insecureVar.error)
  const insecure = insecureVar.value ?? config.mattermost.insecure ?? false
  // Checked before the client exists, so a refusal is a clean error, not a constructor's throw.
  const transport = mattermost.checkMattermostTransport(url, { insecure })
  if (transport.isErr())
    return err(
      badInput(
        transport.error.kind === 'insecureTransport' ? 'insecureTransport' : 'invalidTarget',
        transport.error.kind === 'insecureTransport'
          ? `MATTERMOST_URL: ${transport.error.message} (mattermost.insecure in the config, or MATTERMOST_INSECURE=1)`
          : `MATTERMOST_URL: ${transport.error.message}`,
      ),
    )
  const shown = redactUrls(url)
  // Pages and body bytes bound the client; the deadline and request count bound each load.
  const { maxPagesPerListing, maxBodyBytes, ...readLimits } = config.mattermost.limits ?? {}
  let client
  try {
    client = mattermost.createMattermostClient({
      ...(maxPagesPerListing !== undefined ? { maxPagesPerListing } : {}),
      ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      url,
      token,
      insecure,
    })
  } catch (e) {
    return err(badInput('invalidTarget', `MATTERMOST_URL: ${redactUrls(messageOf(e))}`))
  }
  const identity = await client.getSiteIdentity()
  if (identity.isErr())
    return err(
      failure(
        identity.error.kind,
        `Mattermost at ${shown}: cannot read its site identity: ${identity.error.message}`,
      ),
    )
  // A server without a SiteURL is known by the URL it is reached at (never with its user info:
  // the store keeps it).
  const site = {
    siteId: identity.value.siteId,
    siteUrl: identity.value.siteUrl !== '' ? identity.value.siteUrl : withoutUserInfo(url),
  }
  const storeDb = await openStoreDb(config)
  if (storeDb.isErr()) return err(storeDb.error)
  const { db, description: storeDescription, close } = storeDb.value
  const opened = await postgres.PostgresMembershipStore.open(db, site)
  if (opened.isErr()) {
    await close()
    const e = opened.error
    // A store of a newer grouproles or of another Mattermost: the setup must change (nothing written).
    const setup = e.kind === 'schemaTooNew' || e.kind === 'differentMattermost'
    return err(
      (setup ? badInput : failure)(e.kind, `the store (${storeDescription}): ${e.message}`),
    )
  }
  const channelIds = (env['MATTERMOST_CHANNEL_IDS'] ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '')
  const target = new mattermost.MattermostSyncTarget(client, {
    groups: 'none',
    ...(config.mattermost.teams !== undefined ? { teamNames: config.mattermost.teams } : {}),
    defaultChannelNames: config.mattermost.defaultChannels,
    limits: readLimits,
    ...(channelIds.length > 0 ? { channelIds } : {}),
    store: opened.value,
    // As with the database: every apply follows a full load in the same run, so each batch
    // re-checks only the rows its commands touch, just before it is sent (issue 11 item 3).
    check: 'touched',
  })
  return ok({
    target: journaledTarget(
      target,
      {
        startRun: (c, plan) => postgres.startRun(c, plan),
        recordCommands: (c, runId, commands) => postgres.recordCommands(c, runId, commands),
        finishRun: (c, runId, end) => postgres.finishRun(c, runId, end),
      },
      db,
      site.siteId,
    ),
    // The store's database is migrated and bound to this site by now.
    history: new postgres.PostgresHistoryStore(db),
    description: `REST API ${shown} (store: ${redactUrls(storeDescription)})`,
    ...(transport.value !== undefined ? { warnings: [transport.value] } : {}),
    embedded: false,
    lockClient: db,
    close,
  })
}

/** The store's database: a Postgres pool at `store.url`, or PGlite persisting in `store.dataDir`. */
async function openStoreDb(config: GroupRolesConfig): Promise<
  Result<
    {
      readonly db: PostgresClient
      readonly description: string
      readonly close: () => Promise<void>
    },
    CliError
  >
> {
  const store = config.store
  if (store.kind === 'url') {
    const [{ default: pg }] = await Promise.all([import('pg')])
    const pool = new pg.Pool({ connectionString: store.url, max: 4 })
    pool.on('error', () => undefined)
    return ok({ db: pool, description: 'store.url', close: () => pool.end() })
  }
  const [{ PGlite }, { fromPglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@grouproles/adapter-postgres'),
  ])
  try {
    mkdirSync(store.path, { recursive: true })
    const db = new PGlite(store.path)
    await db.waitReady
    return ok({ db: fromPglite(db), description: store.path, close: () => db.close() })
  } catch (e) {
    return err(badInput('unreadableStore', `store.dataDir ${store.path}: ${messageOf(e)}`))
  }
}

/** The URL as the client reaches it: user info is never sent (the token is), so drop it. */
function withoutUserInfo(url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  return u.href
}
