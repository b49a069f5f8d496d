import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { err, ok, type Result } from 'neverthrow'
import { createMattermostClient } from '@grouproles/adapter-mattermost'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import { fromPglite, PostgresMembershipStore } from '@grouproles/adapter-postgres'
import type { OpenedTarget, OpenTargetError } from '../shared/open-target.js'
import { teamEditionSeed } from './rest-seed.js'

/** The REST demo's Mattermost, opened: the target, the fake behind it and the store's folder. */
export interface OpenedRestDemo extends OpenedTarget {
  readonly fake: FakeMattermost
  readonly storeDir: string
}

/**
 * The demo's Mattermost over the REST API on embedded defaults: the stateful fake from
 * `@grouproles/adapter-mattermost/testing` in this process, in Team Edition mode (every group
 * route answers 501: the groups come from the directory, the teams are managed by the config),
 * seeded like the embedded database; and a membership store in PGlite persisting in `storeDir`
 * (default: a fresh temporary folder), bound to the fake's site identity.
 */
export async function openRestDemo(
  options: { readonly storeDir?: string } = {},
): Promise<Result<OpenedRestDemo, OpenTargetError>> {
  const fake = await FakeMattermost.start({ settings: { edition: 'team' } })
  fake.seed(teamEditionSeed)
  const client = createMattermostClient({ url: fake.url, token: fake.token })
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'grouproles-store-'))
  const db = new PGlite(storeDir)
  const close = async () => {
    await db.close()
    await fake.close()
  }
  const store = await client
    .getSiteIdentity()
    .andThen((site) => PostgresMembershipStore.open(fromPglite(db), site))
  if (store.isErr()) {
    await close()
    return err({
      kind: 'seedFailed',
      message: `could not open the REST demo's store: ${store.error.message}`,
      cause: store.error,
    })
  }
  return ok({
    input: { kind: 'mattermost', client, options: { groups: 'none', store: store.value } },
    description: `in-process fake Mattermost (Team Edition) ${fake.url}, REST API; store: PGlite in ${storeDir}`,
    embedded: true,
    fake,
    storeDir,
    close,
  })
}
