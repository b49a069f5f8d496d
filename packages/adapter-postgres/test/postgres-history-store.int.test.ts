import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SyncHistory } from '@grouproles/core'
import { migrate, PostgresHistoryStore, type PostgresClient } from '../src/index.js'
import { errorOf, must } from './contract.js'
import { emptyDatabases, type EmptyDatabase } from './empty-databases.js'

const historyArb: fc.Arbitrary<SyncHistory> = fc
  .record({
    pending: fc.uniqueArray(
      fc.record({
        kind: fc.constantFrom('team' as const, 'channel' as const),
        syncableId: fc.stringMatching(/^[a-z0-9]{1,26}$/),
        userId: fc.stringMatching(/^[a-z0-9]{1,26}$/),
        runs: fc.integer({ min: 0, max: 1000 }),
        since: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      }),
      { selector: (p) => `${p.kind}:${p.syncableId}:${p.userId}`, maxLength: 30 },
    ),
    lastGood: fc.option(
      fc.record({
        at: fc.integer({ min: 0, max: 4_000_000_000_000 }),
        users: fc.nat(),
        groups: fc.array(
          fc.record({ id: fc.string({ minLength: 1 }), name: fc.string(), members: fc.nat() }),
          { maxLength: 5 },
        ),
        freshness: fc.option(
          fc.record({
            kind: fc.constantFrom('contextCSN' as const, 'highestCommittedUSN' as const),
            value: fc.string({ minLength: 1 }),
          }),
          { nil: undefined },
        ),
      }),
      { nil: undefined },
    ),
    added: fc.option(
      fc.record({
        teams: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,26}$/), { maxLength: 4 }),
        channels: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,26}$/), { maxLength: 4 }),
        users: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,26}$/), {
          minLength: 1,
          maxLength: 4,
        }),
      }),
      { nil: undefined },
    ),
  })
  .map(({ pending, lastGood, added }) => ({
    pendingRemovals: [...pending].sort((a, b) => {
      const ka = `${a.kind}\u0000${a.syncableId}\u0000${a.userId}`
      const kb = `${b.kind}\u0000${b.syncableId}\u0000${b.userId}`
      return ka < kb ? -1 : ka > kb ? 1 : 0
    }),
    // No freshness marker is an absent field, as core's nextSyncHistory leaves it.
    ...(lastGood === undefined
      ? {}
      : {
          lastGood: {
            at: lastGood.at,
            users: lastGood.users,
            groups: lastGood.groups,
            ...(lastGood.freshness === undefined ? {} : { freshness: lastGood.freshness }),
          },
        }),
    ...(added === undefined
      ? {}
      : {
          added: {
            teams: [...added.teams]
              .sort()
              .map((teamId) => ({ teamId, userIds: [...added.users].sort() })),
            channels: [...added.channels]
              .sort()
              .map((channelId) => ({ channelId, userIds: [...added.users].sort() })),
          },
        }),
  }))

function describeStore(database: EmptyDatabase): void {
  describe(`PostgresHistoryStore on ${database.name}`, () => {
    let client: PostgresClient
    beforeAll(async () => {
      const connected = await database.connect()
      client = connected.client
      return connected.close
    })

    it('should load an empty history from a fresh schema', async () => {
      const store = await must(PostgresHistoryStore.open(client))
      expect(await must(store.loadHistory())).toEqual({ pendingRemovals: [] })
    })

    it('should load what it saved, each save replacing the last (a history without a last run keeps the one stored)', async () => {
      const store = await must(PostgresHistoryStore.open(client))
      let lastGood: SyncHistory['lastGood']
      let added: SyncHistory['added']
      await fc.assert(
        fc.asyncProperty(historyArb, async (history) => {
          await must(store.saveHistory(history))
          lastGood = history.lastGood ?? lastGood
          added = history.added ?? added
          const loaded = await must(new PostgresHistoryStore(client).loadHistory())
          expect(loaded.pendingRemovals).toEqual(history.pendingRemovals)
          expect(loaded.lastGood).toEqual(lastGood)
          // An empty provenance reads as none recorded (the same to 'ownOnly').
          const none =
            added === undefined || (added.teams.length === 0 && added.channels.length === 0)
          expect(loaded.added).toEqual(none ? undefined : added)
        }),
        { numRuns: 15 },
      )
    })

    it('should, migrating on save, read a database without the tables as an empty history and create them only when it saves', async () => {
      const connected = await database.connect()
      try {
        const fresh = connected.client
        const store = PostgresHistoryStore.migratingOnSave(fresh)
        expect(await must(store.loadHistory())).toEqual({ pendingRemovals: [] })
        const exists = async () =>
          (
            await fresh.query({
              text: "SELECT to_regclass('grouproles.pending_removals') IS NOT NULL AS e",
            })
          ).rows[0] as { e: boolean }
        expect((await exists()).e).toBe(false)
        const history: SyncHistory = {
          pendingRemovals: [{ kind: 'team', syncableId: 't', userId: 'u', runs: 1, since: 7 }],
          lastGood: { at: 7, users: 1, groups: [{ id: 'g', name: 'g', members: 1 }] },
        }
        await must(store.saveHistory(history))
        expect((await exists()).e).toBe(true)
        expect(await must(store.loadHistory())).toEqual(history)
      } finally {
        await connected.close()
      }
    })

    it('should refuse a schema written by a newer grouproles', async () => {
      await must(migrate(client))
      await client.query({
        text: 'INSERT INTO grouproles.schema_migrations (version) VALUES ($1)',
        values: [9999],
      })
      try {
        const error = await errorOf(PostgresHistoryStore.open(client))
        expect(error.kind).toBe('schemaTooNew')
      } finally {
        await client.query({
          text: 'DELETE FROM grouproles.schema_migrations WHERE version = $1',
          values: [9999],
        })
      }
    })
  })
}

for (const database of emptyDatabases()) describeStore(database)
