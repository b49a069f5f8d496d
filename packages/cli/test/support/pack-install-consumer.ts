/**
 * A consumer of the published packages, copied by pack-install.int.test.ts into a project outside
 * the workspace where the tarballs are installed with npm: type-checked there under node16 and
 * bundler resolution, compiled and run against the demo's data that @grouproles/cli ships. It
 * prints one JSON line the test checks. (In the workspace it only type-checks, as a guard that it
 * keeps up with the API.)
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import fc from 'fast-check'
import {
  decideRole,
  emptyState,
  parseLinkRules,
  planSync,
  runSync,
  type RoleDecision,
  type SyncPlan,
  type SyncState,
} from '@grouproles/core'
import { syncStateArb } from '@grouproles/core/testing'
import { LdifGroupSource, parseLdapConfig } from '@grouproles/adapter-ldap'
import { fromPglite, PostgresSyncTarget } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import { createMattermostClient, MattermostSyncTarget } from '@grouproles/adapter-mattermost'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'

/** Never called: does not compile if the packages' types resolved to `any`. */
export function typesAreReal(): void {
  // @ts-expect-error: decideRole needs a RoleInput
  decideRole({})
}

const assets = join(process.cwd(), 'node_modules', '@grouproles', 'cli', 'assets')
const asset = (name: string): string => readFileSync(join(assets, name), 'utf8')
const config = JSON.parse(asset('demo-config.json')) as { ldap: unknown; rules: unknown }
const seed = JSON.parse(asset('demo-mattermost.json')) as SyncState
const groups = new LdifGroupSource({
  text: asset('demo-directory.ldif'),
  source: 'demo-directory.ldif',
  ldap: parseLdapConfig(config.ldap)._unsafeUnwrap(),
  matchBy: 'username',
  rules: parseLinkRules(config.rules)._unsafeUnwrap(),
})

const guest: RoleDecision = decideRole({
  user: { id: 'g'.repeat(26), username: 'g', email: 'g@example.org', systemRole: 'guest' },
  syncable: { kind: 'team', id: 't'.repeat(26) },
  links: [],
  userGroupIds: [],
})
const empty: SyncPlan = planSync(emptyState)
const sampled = fc.sample(syncStateArb(), { numRuns: 3, seed: 1 }).length

// Mattermost's database (PGlite here) seeded with the demo's Mattermost: apply, then verify.
const db = await PGlite.create()
const client = fromPglite(db)
;(
  await createMattermostSchema(client).andThen(() => writeSyncState(client, seed, { now: 1 }))
)._unsafeUnwrap()
const applied = (
  await runSync({ groups, target: new PostgresSyncTarget(client) }, {}, { apply: true })
)._unsafeUnwrap()
await db.close()

// The REST API (the package's fake server) seeded the same way: plan only.
const fake = await FakeMattermost.start()
fake.seed(seed)
const rest = (
  await runSync({
    groups,
    target: new MattermostSyncTarget(createMattermostClient({ url: fake.url, token: fake.token })),
  })
)._unsafeUnwrap()
await fake.close()

console.log(
  JSON.stringify({
    guest: guest.role,
    emptyPlan: empty.commands.length,
    sampled,
    postgres: {
      commands: applied.plan.commands.length,
      converged: applied.verification?.converged ?? false,
    },
    rest: { commands: rest.plan.commands.length, held: rest.plan.held.length },
  }),
)
