import { okAsync, type ResultAsync } from 'neverthrow'
import type {
  FreshnessMarker,
  LastGoodRun,
  PendingRemoval,
  RememberedMemberships,
  SyncHistory,
  SyncHistoryStore,
} from '@grouproles/core'
import type { PostgresClient } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { inTransaction, run, runArrays } from './internal/session.js'
import { migrate } from './migrate.js'
import * as q from './queries.js'

/**
 * Core's `SyncHistoryStore` in schema `grouproles` (migration 4): the grace period's pending
 * removals and the last complete run's directory sizes. Lives next to the run journal, on
 * Mattermost's database or on the membership store's (`PostgresMembershipStore`, which binds that
 * database to one Mattermost). A save replaces the whole history in one transaction.
 */
export class PostgresHistoryStore implements SyncHistoryStore<PostgresError> {
  readonly #client: PostgresClient
  readonly #migrateOnSave: boolean

  /**
   * On a database already migrated (e.g. opened by `PostgresMembershipStore.open`), or with
   * `migrateOnSave` one that may not be: see `migratingOnSave`.
   */
  constructor(client: PostgresClient, options: { readonly migrateOnSave?: boolean } = {}) {
    this.#client = client
    this.#migrateOnSave = options.migrateOnSave === true
  }

  /** Migrates schema `grouproles` first (refusing a newer one with `schemaTooNew`). */
  static open(client: PostgresClient): ResultAsync<PostgresHistoryStore, PostgresError> {
    return migrate(client).map(() => new PostgresHistoryStore(client))
  }

  /**
   * A store that writes nothing until it saves: a database without the tables loads as an empty
   * history, and the first save migrates. For Mattermost's own database, where a dry run
   * (`plan`) must not create grouproles' schema.
   */
  static migratingOnSave(client: PostgresClient): PostgresHistoryStore {
    return new PostgresHistoryStore(client, { migrateOnSave: true })
  }

  loadHistory(): ResultAsync<SyncHistory, PostgresError> {
    if (!this.#migrateOnSave) return this.#load()
    return runArrays(this.#client, 'looking for the history tables', q.selectHistoryTables).andThen(
      (rows) => (rows[0]?.[0] === true ? this.#load() : okAsync({ pendingRemovals: [] })),
    )
  }

  #load(): ResultAsync<SyncHistory, PostgresError> {
    return runArrays(this.#client, 'reading pending removals', q.selectPendingRemovals).andThen(
      (pendingRows) =>
        runArrays(this.#client, 'reading the last complete run', q.selectLastGoodRun).andThen(
          (lastRows) =>
            runArrays(this.#client, 'reading added memberships', q.selectAddedMemberships).map(
              (addedRows): SyncHistory => {
                const pendingRemovals = pendingRows.flatMap(toPending)
                const lastGood = lastRows[0] === undefined ? undefined : toLastGood(lastRows[0])
                const added = addedRows.length === 0 ? undefined : toAdded(addedRows)
                return {
                  pendingRemovals,
                  ...(lastGood === undefined ? {} : { lastGood }),
                  ...(added === undefined ? {} : { added }),
                }
              },
            ),
        ),
    )
  }

  saveHistory(history: SyncHistory): ResultAsync<void, PostgresError> {
    if (this.#migrateOnSave) return migrate(this.#client).andThen(() => this.#save(history))
    return this.#save(history)
  }

  #save(history: SyncHistory): ResultAsync<void, PostgresError> {
    const rows = history.pendingRemovals.map((p) => [
      p.kind,
      p.syncableId,
      p.userId,
      p.runs,
      String(p.since),
    ])
    return inTransaction(this.#client, 'BEGIN', (conn) =>
      run(conn, 'clearing pending removals', q.deletePendingRemovals)
        .andThen(() =>
          rows.length === 0
            ? run(conn, 'no pending removals', 'SELECT 1')
            : run(conn, 'saving pending removals', q.insertPendingRemovals, [JSON.stringify(rows)]),
        )
        .andThen(() => {
          const last = history.lastGood
          if (last === undefined) return run(conn, 'no last complete run', 'SELECT 1')
          return run(conn, 'saving the last complete run', q.upsertLastGoodRun, [
            String(last.at),
            last.users,
            JSON.stringify(last.groups),
            last.freshness?.kind ?? null,
            last.freshness?.value ?? null,
          ])
        })
        .andThen(() => {
          const added = history.added
          if (added === undefined) return run(conn, 'no provenance', 'SELECT 1')
          const rows = [
            ...added.teams.map((t) => ['team', t.teamId, t.userIds]),
            ...added.channels.map((c) => ['channel', c.channelId, c.userIds]),
          ]
          return run(conn, 'clearing added memberships', q.deleteAddedMemberships).andThen(() =>
            rows.length === 0
              ? run(conn, 'no added memberships', 'SELECT 1')
              : run(conn, 'saving added memberships', q.insertAddedMemberships, [
                  JSON.stringify(rows),
                ]),
          )
        }),
    ).map(() => undefined)
  }
}

function toPending(row: unknown[]): PendingRemoval[] {
  const [kind, syncableId, userId, runs, since] = row
  if (kind !== 'team' && kind !== 'channel') return []
  return [
    {
      kind,
      syncableId: String(syncableId),
      userId: String(userId),
      runs: Number(runs),
      since: Number(since),
    },
  ]
}

function toAdded(rows: unknown[][]): RememberedMemberships {
  const teams: { teamId: string; userIds: string[] }[] = []
  const channels: { channelId: string; userIds: string[] }[] = []
  for (const [kind, id, ids] of rows) {
    const userIds = (Array.isArray(ids) ? ids.map(String) : []).sort()
    if (kind === 'team') teams.push({ teamId: String(id), userIds })
    else if (kind === 'channel') channels.push({ channelId: String(id), userIds })
  }
  return { teams, channels }
}

function toLastGood(row: unknown[]): LastGoodRun | undefined {
  const [at, users, groups, freshnessKind, freshnessValue] = row
  const parsed: unknown = typeof groups === 'string' ? JSON.parse(groups) : groups
  if (!Array.isArray(parsed)) return undefined
  // Absent (NULL) when the directory gave none, as LastGoodRun.freshness is.
  const freshness =
    (freshnessKind === 'contextCSN' || freshnessKind === 'highestCommittedUSN') &&
    typeof freshnessValue === 'string'
      ? { freshness: { kind: freshnessKind, value: freshnessValue } as FreshnessMarker }
      : {}
  return {
    at: Number(at),
    users: Number(users),
    groups: parsed.flatMap((g: unknown) =>
      typeof g === 'object' && g !== null && 'id' in g && 'members' in g
        ? [
            {
              id: String(g.id),
              name: 'name' in g ? String(g.name) : String(g.id),
              members: Number(g.members),
            },
          ]
        : [],
    ),
    ...freshness,
  }
}
