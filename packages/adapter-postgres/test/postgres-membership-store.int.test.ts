import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import type { RememberedMemberships } from '@grouproles/core'
import {
  fromPglite,
  isPool,
  migrate,
  PostgresMembershipStore,
  schemaVersion,
  type PostgresClient,
  type PostgresQuery,
  type SiteIdentity,
} from '../src/index.js'
import * as q from '../src/queries.js'
import { errorOf, must } from './contract.js'
import { emptyDatabases, freshDatabase, type EmptyDatabase } from './empty-databases.js'

const site: SiteIdentity = {
  siteId: 'k3x9site0000000000000000aa',
  siteUrl: 'https://mm.example.test',
}

const memberships = (
  teams: Record<string, string[]>,
  channels: Record<string, string[]> = {},
): RememberedMemberships => ({
  teams: Object.entries(teams).map(([teamId, userIds]) => ({ teamId, userIds })),
  channels: Object.entries(channels).map(([channelId, userIds]) => ({ channelId, userIds })),
})

async function rowsOf(client: PostgresClient, text: string): Promise<unknown[][]> {
  return (await client.query({ text, rowMode: 'array' })).rows as unknown[][]
}

/** The row version (`xmin`) of every remembered syncable: it changes exactly when a row is written. */
async function rowVersions(client: PostgresClient): Promise<Map<string, string>> {
  const rows = await rowsOf(
    client,
    `SELECT syncable_kind || ':' || syncable_id, xmin::text FROM grouproles.remembered_memberships`,
  )
  return new Map(rows.map((r) => [String(r[0]), String(r[1])]))
}

/** `client` with every query sent outside a held connection noted in `sent`. */
function watch(client: PostgresClient, sent: PostgresQuery[]): PostgresClient {
  const query = (query: PostgresQuery) => {
    sent.push(query)
    return client.query(query)
  }
  return isPool(client) ? { query, connect: () => client.connect() } : { query }
}

async function metaOf(client: PostgresClient): Promise<Record<string, string>> {
  const rows = await rowsOf(client, 'SELECT key, value FROM grouproles.meta ORDER BY key')
  return Object.fromEntries(rows.map((r) => [String(r[0]), String(r[1])]))
}

function describeStore(database: EmptyDatabase): void {
  describe(`PostgresMembershipStore on ${database.name}`, () => {
    let client: PostgresClient
    beforeAll(async () => {
      const connected = await database.connect()
      client = connected.client
      return connected.close
    })
    beforeEach(async () => {
      await client.query({ text: 'DROP SCHEMA IF EXISTS grouproles CASCADE' })
    })

    it('should record a fresh store’s site on a database without Mattermost tables and recall nothing', async () => {
      const store = await must(PostgresMembershipStore.open(client, site))
      expect(store.site).toEqual(site)
      expect(await rowsOf(client, `SELECT to_regclass('users')::text`)).toEqual([[null]])
      expect(await metaOf(client)).toEqual({
        schema_version: String(schemaVersion),
        site_id: site.siteId,
        site_url: site.siteUrl,
      })
      expect(await must(store.recall())).toEqual({ teams: [], channels: [] })
    })

    it('should recall what it remembered, sorted, in a store opened again later', async () => {
      const store = await must(PostgresMembershipStore.open(client, site))
      await must(
        store.remember(memberships({ t2: ['u3', 'u1'], t1: ['u2'] }, { c1: ['u1', 'u1', 'u2'] })),
      )
      const again = await must(PostgresMembershipStore.open(client, site))
      expect(await must(again.recall())).toEqual(
        memberships({ t1: ['u2'], t2: ['u1', 'u3'] }, { c1: ['u1', 'u2'] }),
      )
    })

    it('should never forget: what it remembers is added to what it kept', async () => {
      const store = await must(PostgresMembershipStore.open(client, site))
      await must(store.remember(memberships({ t1: ['u1', 'u2'] }, { c1: ['u1'] })))
      await must(store.remember(memberships({ t1: ['u3'] }, { c2: ['u2'] })))
      expect(await must(store.recall())).toEqual(
        memberships({ t1: ['u1', 'u2', 'u3'] }, { c1: ['u1'], c2: ['u2'] }),
      )
    })

    it('should write nothing when nothing is new, and only the syncables whose set grows', async () => {
      const first = await must(PostgresMembershipStore.open(client, site))
      await must(first.remember(memberships({ t1: ['u1', 'u2'], t2: ['u1'] }, { c1: ['u1'] })))
      const before = await rowVersions(client)
      // A new run: recall, then remember what it loaded (nothing new) and what it added.
      const sent: PostgresQuery[] = []
      const watched = watch(client, sent)
      const store = await must(PostgresMembershipStore.open(watched, site))
      await must(store.recall())
      sent.length = 0
      await must(store.remember(memberships({ t2: ['u1'], t1: ['u2', 'u1'] }, { c1: ['u1'] })))
      expect(sent).toEqual([])
      expect(await rowVersions(client)).toEqual(before)
      await must(store.remember(memberships({ t1: ['u2'], t2: ['u1', 'u9'] }, { c3: ['u4'] })))
      // One statement with the new pairs only.
      expect(sent.map((s) => JSON.parse(String(s.values?.[0])) as unknown)).toEqual([
        [
          ['team', 't2', ['u9']],
          ['channel', 'c3', ['u4']],
        ],
      ])
      const after = await rowVersions(client)
      expect([...after.keys()].filter((k) => after.get(k) !== before.get(k)).sort()).toEqual([
        'channel:c3',
        'team:t2',
      ])
    })

    it('should read before its first remember, then write only what is new', async () => {
      const first = await must(PostgresMembershipStore.open(client, site))
      await must(first.remember(memberships({ t1: ['u1', 'u2'] })))
      const before = await rowVersions(client)
      const store = await must(PostgresMembershipStore.open(client, site))
      await must(store.remember(memberships({ t1: ['u1'] })))
      expect(await rowVersions(client)).toEqual(before)
    })

    it('should keep ids that Postgres and JavaScript order differently, and know them again', async () => {
      // U+FF5A sorts before U+1D518 by code point (Postgres "C"), after it in UTF-16 (JavaScript).
      const odd = ['\u{1D518}x', '\uFF5Ay', 'é,z', 'a"b']
      const store = await must(PostgresMembershipStore.open(client, site))
      await must(store.remember(memberships({ t1: odd })))
      const before = await rowVersions(client)
      const again = await must(PostgresMembershipStore.open(client, site))
      expect(await must(again.recall())).toEqual(memberships({ t1: [...odd].sort() }))
      await must(again.remember(memberships({ t1: [...odd].reverse() })))
      expect(await rowVersions(client)).toEqual(before)
    })

    it('should keep what another writer remembered since it recalled', async () => {
      const mine = await must(PostgresMembershipStore.open(client, site))
      const theirs = await must(PostgresMembershipStore.open(client, site))
      await must(mine.recall())
      await must(theirs.remember(memberships({ t1: ['u1', 'u2'] })))
      await must(mine.remember(memberships({ t1: ['u1', 'u3'] })))
      const fresh = await must(PostgresMembershipStore.open(client, site))
      expect(await must(fresh.recall())).toEqual(memberships({ t1: ['u1', 'u2', 'u3'] }))
    })

    it('should take the same site URL written another way', async () => {
      await must(PostgresMembershipStore.open(client, site))
      const store = await must(
        PostgresMembershipStore.open(client, {
          siteId: site.siteId,
          siteUrl: 'HTTPS://MM.Example.test/',
        }),
      )
      expect(store.site).toEqual(site)
    })

    it('should refuse a store of another Mattermost, naming both, and write nothing', async () => {
      const store = await must(PostgresMembershipStore.open(client, site))
      await must(store.remember(memberships({ t1: ['u1'] })))
      const meta = await metaOf(client)
      const other = { siteId: 'othersite00000000000000000', siteUrl: site.siteUrl }
      const byId = await errorOf(PostgresMembershipStore.open(client, other))
      expect(byId).toMatchObject({ kind: 'differentMattermost', stored: site, given: other })
      expect(byId.message).toContain(site.siteId)
      expect(byId.message).toContain(other.siteId)
      const moved = { siteId: site.siteId, siteUrl: 'https://chat.example.test' }
      const byUrl = await errorOf(PostgresMembershipStore.open(client, moved))
      expect(byUrl).toMatchObject({ kind: 'differentMattermost', stored: site, given: moved })
      expect(await metaOf(client)).toEqual(meta)
    })

    it('should not even apply a pending migration when it refuses another Mattermost', async () => {
      await must(PostgresMembershipStore.open(client, site))
      // As a store written before the newest migration: its last version undone.
      const last = q.migrations.at(-1)
      expect(last?.version).toBe(schemaVersion)
      await client.query({
        text: 'ALTER TABLE grouproles.last_good_run DROP COLUMN freshness_kind, DROP COLUMN freshness_value',
      })
      await client.query({
        text: 'DELETE FROM grouproles.schema_migrations WHERE version = $1',
        values: [schemaVersion],
      })
      const error = await errorOf(
        PostgresMembershipStore.open(client, { ...site, siteId: 'othersite00000000000000000' }),
      )
      expect(error.kind).toBe('differentMattermost')
      expect(await rowsOf(client, 'SELECT max(version) FROM grouproles.schema_migrations')).toEqual(
        [[schemaVersion - 1]],
      )
      // The right Mattermost upgrades it.
      await must(PostgresMembershipStore.open(client, site))
      expect(await rowsOf(client, 'SELECT max(version) FROM grouproles.schema_migrations')).toEqual(
        [[schemaVersion]],
      )
    })

    it('should refuse a schema migrated by a newer grouproles, naming both versions, and write nothing', async () => {
      await must(migrate(client))
      await client.query({
        text: 'INSERT INTO grouproles.schema_migrations (version) VALUES ($1)',
        values: [schemaVersion + 7],
      })
      const error = await errorOf(PostgresMembershipStore.open(client, site))
      expect(error).toMatchObject({
        kind: 'schemaTooNew',
        storeVersion: schemaVersion + 7,
        supportedVersion: schemaVersion,
      })
      expect(error.message).toContain(String(schemaVersion + 7))
      // No identity recorded; migrate refuses alike.
      expect(await metaOf(client)).toEqual({ schema_version: String(schemaVersion) })
      expect((await errorOf(migrate(client))).kind).toBe('schemaTooNew')
    })

    it('should always recall the union of everything remembered, across reopened stores', async () => {
      const ids = (prefix: string) =>
        fc.uniqueArray(fc.stringMatching(new RegExp(`^${prefix}[a-z0-9,._-]{0,6}$`)), {
          minLength: 1,
          maxLength: 4,
        })
      const arb = fc.tuple(ids('t'), ids('c'), ids('u')).chain(([teams, channels, users]) => {
        const userIds = fc.array(fc.constantFrom(...users), { maxLength: 5 })
        const batch: fc.Arbitrary<RememberedMemberships> = fc.record({
          teams: fc.array(fc.record({ teamId: fc.constantFrom(...teams), userIds }), {
            maxLength: 3,
          }),
          channels: fc.array(fc.record({ channelId: fc.constantFrom(...channels), userIds }), {
            maxLength: 3,
          }),
        })
        return fc.array(fc.tuple(batch, fc.boolean()), { maxLength: 5 })
      })
      await fc.assert(
        fc.asyncProperty(arb, async (batches) => {
          await client.query({ text: 'DROP SCHEMA IF EXISTS grouproles CASCADE' })
          let store = await must(PostgresMembershipStore.open(client, site))
          const oracle = new Map<string, Set<string>>()
          const note = (key: string, userIds: readonly string[]): void => {
            const kept = oracle.get(key) ?? new Set()
            for (const u of userIds) kept.add(u)
            if (kept.size > 0) oracle.set(key, kept)
          }
          for (const [batch, reopen] of batches) {
            if (reopen) store = await must(PostgresMembershipStore.open(client, site))
            await must(store.remember(batch))
            for (const t of batch.teams) note(`t\u0000${t.teamId}`, t.userIds)
            for (const c of batch.channels) note(`c\u0000${c.channelId}`, c.userIds)
          }
          const expected = (kind: string) =>
            [...oracle]
              .filter(([key]) => key.startsWith(`${kind}\u0000`))
              .map(([key, users]) => [key.slice(2), [...users].sort()] as const)
              .sort(([a], [b]) => (a < b ? -1 : 1))
          const fresh = await must(PostgresMembershipStore.open(client, site))
          expect(await must(fresh.recall())).toEqual({
            teams: expected('t').map(([teamId, userIds]) => ({ teamId, userIds })),
            channels: expected('c').map(([channelId, userIds]) => ({ channelId, userIds })),
          })
        }),
        { numRuns: 25 },
      )
    })
  })
}

for (const database of emptyDatabases()) describeStore(database)

describe.runIf(inject('pgUrl') !== '')(
  'PostgresMembershipStore on a real server, concurrently',
  () => {
    it('should bind a fresh store to exactly one of two Mattermosts opening it at once', async () => {
      const url = await freshDatabase()
      const clients = [
        new pg.Client({ connectionString: url }),
        new pg.Client({ connectionString: url }),
      ]
      await Promise.all(clients.map((c) => c.connect()))
      try {
        const sites = [site, { ...site, siteId: 'othersite00000000000000000' }]
        const results = await Promise.all(
          clients.map((c, i) => PostgresMembershipStore.open(c, sites[i] ?? site)),
        )
        const winners = results.filter((r) => r.isOk())
        expect(winners).toHaveLength(1)
        const loser = results.find((r) => r.isErr())
        expect(loser?.isErr() === true && loser.error.kind).toBe('differentMattermost')
        const bound = winners[0]?.isOk() === true ? winners[0].value.site : undefined
        expect((await metaOf(clients[0] as PostgresClient)).site_id).toBe(bound?.siteId)
      } finally {
        await Promise.all(clients.map((c) => c.end()))
      }
    })

    it('should keep both of two remembers of one new syncable running at once', async () => {
      const url = await freshDatabase()
      const first = new pg.Client({ connectionString: url })
      const second = new pg.Client({ connectionString: url })
      await Promise.all([first.connect(), second.connect()])
      try {
        const mine = await must(PostgresMembershipStore.open(first, site))
        const theirs = await must(PostgresMembershipStore.open(second, site))
        await Promise.all([
          must(mine.remember(memberships({ t1: ['u1', 'u2'] }))),
          must(theirs.remember(memberships({ t1: ['u3', 'u2'] }))),
        ])
        const fresh = await must(PostgresMembershipStore.open(first, site))
        expect(await must(fresh.recall())).toEqual(memberships({ t1: ['u1', 'u2', 'u3'] }))
      } finally {
        await Promise.all([first.end(), second.end()])
      }
    })
  },
)

describe('PostgresMembershipStore on PGlite with a data directory', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'grouproles-pglite-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('should recall after the database was closed and opened again from its directory', async () => {
    const first = new PGlite(dir)
    const store = await must(PostgresMembershipStore.open(fromPglite(first), site))
    await must(store.remember(memberships({ t1: ['u2', 'u1'] }, { c1: ['u1'] })))
    await first.close()

    const second = new PGlite(dir)
    const client = fromPglite(second)
    const reopened = await must(PostgresMembershipStore.open(client, site))
    expect(await must(reopened.recall())).toEqual(memberships({ t1: ['u1', 'u2'] }, { c1: ['u1'] }))
    // The identity persisted with the memberships.
    const other = await errorOf(
      PostgresMembershipStore.open(client, { ...site, siteUrl: 'https://other.example.test' }),
    )
    expect(other.kind).toBe('differentMattermost')
    await second.close()
  })
})
