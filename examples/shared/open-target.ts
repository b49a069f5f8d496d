import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { err, ok, type Result } from 'neverthrow'
import { fromPglite } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import { checkMattermostTransport, createMattermostClient } from '@grouproles/adapter-mattermost'
import { redactUrls } from '@grouproles/core'
import { mattermostSeed } from '../rocky-linux/mattermost-seed.js'
import type { TargetInput } from './sync-ports.js'

/** An opened Mattermost target: what the ports need, a line saying what it is, and how to close it. */
export interface OpenedTarget {
  readonly input: TargetInput
  readonly description: string
  /** The in-process PGlite seeded with the Rocky Linux example (nothing real is touched). */
  readonly embedded: boolean
  /** The insecure transport `MATTERMOST_INSECURE=1` allowed, if any: print it. */
  readonly warnings?: readonly string[]
  close(): Promise<void>
}

export type OpenTargetError =
  | { readonly kind: 'noTarget'; readonly message: string }
  /** `MATTERMOST_URL` is not a URL, or `http://` to another host without `MATTERMOST_INSECURE=1`. */
  | { readonly kind: 'invalidUrl' | 'insecureTransport'; readonly message: string }
  | { readonly kind: 'seedFailed'; readonly message: string; readonly cause: unknown }

/**
 * Opens the Mattermost side from the environment, the same way for the CLI, the demo and the
 * service: `MATTERMOST_URL` + `MATTERMOST_TOKEN` (REST API: every team's channels are listed, so
 * rules map by name; `MATTERMOST_CHANNEL_IDS`, comma-separated, optionally names extra channels the
 * listing does not show, e.g. archived private ones), else `DATABASE_URL`
 * (Mattermost's Postgres). `embedded`: `always` uses the example's in-memory database whatever is
 * set, `fallback` only when neither is set, `never` makes that a `noTarget` error. `http://` to a
 * host other than this machine is refused unless `MATTERMOST_INSECURE=1` (then `warnings` says so).
 */
export async function openTarget(
  env: Readonly<Record<string, string | undefined>>,
  embedded: 'always' | 'fallback' | 'never',
): Promise<Result<OpenedTarget, OpenTargetError>> {
  const url = env['MATTERMOST_URL']
  const token = env['MATTERMOST_TOKEN']
  const databaseUrl = env['DATABASE_URL']
  if (embedded !== 'always' && url !== undefined && token !== undefined) {
    const insecure = env['MATTERMOST_INSECURE'] === '1' || env['MATTERMOST_INSECURE'] === 'true'
    const transport = checkMattermostTransport(url, { insecure })
    if (transport.isErr()) return err(transport.error)
    const shown = redactUrls(url)
    const channelIds = (env['MATTERMOST_CHANNEL_IDS'] ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '')
    return ok({
      input: {
        kind: 'mattermost',
        client: createMattermostClient({ url, token, insecure }),
        // The groups come from the directory: the loader never touches a group route (Team
        // Edition answers them 501), and lists every team's channels so rules map by name.
        options: { groups: 'none', ...(channelIds.length > 0 ? { channelIds } : {}) },
      },
      description:
        channelIds.length > 0
          ? `REST API ${shown} (and ${channelIds.length} channels from MATTERMOST_CHANNEL_IDS)`
          : `REST API ${shown}`,
      ...(transport.value !== undefined ? { warnings: [transport.value] } : {}),
      embedded: false,
      close: () => Promise.resolve(),
    })
  }
  if (embedded !== 'always' && databaseUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
    return ok({
      input: { kind: 'postgres', client: pool },
      description: 'DATABASE_URL',
      embedded: false,
      close: () => pool.end(),
    })
  }
  if (embedded === 'never')
    return err({
      kind: 'noTarget',
      message:
        'no Mattermost to sync: set DATABASE_URL, or MATTERMOST_URL and MATTERMOST_TOKEN, or pass --demo-db',
    })
  const db = await PGlite.create()
  const client = fromPglite(db)
  const seeded = await createMattermostSchema(client).andThen(() =>
    writeSyncState(client, mattermostSeed, { now: 1_764_000_000_000 }),
  )
  if (seeded.isErr()) {
    await db.close()
    return err({
      kind: 'seedFailed',
      message: `could not seed the embedded Mattermost database: ${seeded.error.message}`,
      cause: seeded.error,
    })
  }
  return ok({
    input: { kind: 'postgres', client },
    description: 'embedded PGlite seeded from examples/rocky-linux/mattermost-seed.ts',
    embedded: true,
    close: () => db.close(),
  })
}
