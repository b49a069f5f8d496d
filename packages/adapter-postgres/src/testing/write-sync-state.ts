import { okAsync, type ResultAsync } from 'neverthrow'
import type { SyncState, SystemRole } from '@grouproles/core'
import type { PostgresClient, PostgresQueryable } from '../postgres-client.js'
import type { PostgresError } from '../postgres-error.js'
import { inTransaction, run } from '../internal/session.js'
import { defaultNotifyProps } from '../apply-plan.js'

/** Options of `writeSyncState`. */
export interface WriteSyncStateOptions {
  /** Epoch milliseconds for every CreateAt/UpdateAt/JoinTime and soft-delete DeleteAt. Default `Date.now()`. */
  readonly now?: number
  /** `UserGroups.Source` of the written groups. Default `'ldap'`. */
  readonly groupSource?: string
  /** Rows per INSERT statement. Default 50,000. */
  readonly chunkSize?: number
}

const rolesOf: Readonly<Record<SystemRole, string>> = {
  user: 'system_user',
  admin: 'system_user system_admin',
  guest: 'system_guest',
}

interface Table {
  readonly sql: string
  readonly columns: unknown[][]
  /** Per-statement values after the columns (and before `now`, always last). */
  readonly constants?: unknown[]
}

/**
 * Bulk-inserts a core `SyncState` into empty Mattermost tables the way Mattermost stores it, in one
 * transaction: `loadSyncState` reads back `normalizeState(state)` (group `status` and `nesting`
 * have no column and are not written). For tests, benchmarks and demos.
 */
export function writeSyncState(
  client: PostgresClient,
  state: SyncState,
  options: WriteSyncStateOptions = {},
): ResultAsync<void, PostgresError> {
  const now = options.now ?? Date.now()
  const source = options.groupSource ?? 'ldap'
  const del = (deleted: boolean | undefined): number => (deleted === true ? now : 0)
  const members = new Set(state.channelMembers.map((m) => `${m.channelId}\u0000${m.userId}`))
  const groupMembers: [string, string][] = []
  for (const g of state.groups)
    for (const userId of new Set(g.memberIds)) groupMembers.push([g.id, userId])
  const teamLinks = state.links.filter((l) => l.syncable.kind === 'team')
  const channelLinks = state.links.filter((l) => l.syncable.kind === 'channel')
  const bots = state.users.filter((u) => u.isBot === true)
  const notify = JSON.stringify(defaultNotifyProps)

  const tables: Table[] = [
    {
      sql: `INSERT INTO users (id, username, email, authdata, authservice, roles, deleteat, createat, updateat)
        SELECT id, username, email, authdata, CASE WHEN authdata IS NULL THEN '' ELSE 'ldap' END, roles, deleteat, $7::bigint, $7::bigint
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS t(id, username, email, authdata, roles, deleteat)`,
      columns: [
        state.users.map((u) => u.id),
        state.users.map((u) => u.username),
        state.users.map((u) => u.email ?? null),
        state.users.map((u) => u.authData ?? null),
        state.users.map((u) => rolesOf[u.systemRole]),
        state.users.map((u) => del(u.deactivated)),
      ],
    },
    {
      sql: `INSERT INTO bots (userid, description, ownerid, lasticonupdate, createat, updateat, deleteat)
        SELECT id, '', '', 0, $2::bigint, $2::bigint, 0 FROM unnest($1::text[]) AS t(id)`,
      columns: [bots.map((u) => u.id)],
    },
    {
      sql: `INSERT INTO usergroups (id, name, displayname, description, source, remoteid, createat, updateat, deleteat, allowreference)
        SELECT id, name, name, '', $4::text, id, $5::bigint, $5::bigint, deleteat, false FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(id, name, deleteat)`,
      columns: [
        state.groups.map((g) => g.id),
        state.groups.map((g) => g.name),
        state.groups.map((g) => del(g.deleted)),
      ],
      constants: [source],
    },
    {
      sql: `INSERT INTO groupmembers (groupid, userid, createat, deleteat) SELECT g, u, $3::bigint, 0 FROM unnest($1::text[], $2::text[]) AS t(g, u)`,
      columns: [groupMembers.map(([g]) => g), groupMembers.map(([, u]) => u)],
    },
    {
      sql: `INSERT INTO groupteams (groupid, teamid, autoadd, schemeadmin, deleteat, createat, updateat)
        SELECT g, s, a, sa, d, $6::bigint, $6::bigint FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::bigint[]) AS t(g, s, a, sa, d)`,
      columns: linkColumns(teamLinks, del),
    },
    {
      sql: `INSERT INTO groupchannels (groupid, channelid, autoadd, schemeadmin, deleteat, createat, updateat)
        SELECT g, s, a, sa, d, $6::bigint, $6::bigint FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::bigint[]) AS t(g, s, a, sa, d)`,
      columns: linkColumns(channelLinks, del),
    },
    {
      sql: `INSERT INTO teams (id, name, displayname, type, groupconstrained, deleteat, createat, updateat, email, alloweddomains, allowopeninvite)
        SELECT id, name, name, 'O', gc, d, $5::bigint, $5::bigint, '', '', false FROM unnest($1::text[], $2::text[], $3::bool[], $4::bigint[]) AS t(id, name, gc, d)`,
      columns: [
        state.teams.map((t) => t.id),
        state.teams.map((t) => t.name),
        state.teams.map((t) => t.groupConstrained),
        state.teams.map((t) => del(t.deleted)),
      ],
    },
    {
      sql: `INSERT INTO channels (id, teamid, name, displayname, type, groupconstrained, deleteat, createat, updateat, totalmsgcount, shared)
        SELECT id, tid, name, name, ty, gc, d, $7::bigint, $7::bigint, 0, false
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bigint[]) AS t(id, tid, name, ty, gc, d)`,
      columns: [
        state.channels.map((c) => c.id),
        state.channels.map((c) => c.teamId),
        state.channels.map((c) => c.name),
        state.channels.map((c) => c.type),
        state.channels.map((c) => c.groupConstrained),
        state.channels.map((c) => del(c.deleted)),
      ],
    },
    {
      sql: `INSERT INTO teammembers (teamid, userid, roles, schemeuser, schemeadmin, schemeguest, deleteat, createat)
        SELECT t, u, '', NOT g, a, g, d, $6::bigint FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::bigint[]) AS x(t, u, a, g, d)`,
      columns: [
        state.teamMembers.map((m) => m.teamId),
        state.teamMembers.map((m) => m.userId),
        state.teamMembers.map((m) => m.schemeAdmin),
        state.teamMembers.map((m) => m.schemeGuest),
        state.teamMembers.map((m) => del(m.deleted)),
      ],
    },
    {
      sql: `INSERT INTO channelmembers (channelid, userid, roles, lastviewedat, msgcount, mentioncount, notifyprops, lastupdateat,
          schemeuser, schemeadmin, schemeguest, msgcountroot, mentioncountroot, urgentmentioncount)
        SELECT c, u, '', $6::bigint, 0, 0, $5::jsonb, $6::bigint, NOT g, a, g, 0, 0, 0 FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[]) AS x(c, u, a, g)`,
      columns: [
        state.channelMembers.map((m) => m.channelId),
        state.channelMembers.map((m) => m.userId),
        state.channelMembers.map((m) => m.schemeAdmin),
        state.channelMembers.map((m) => m.schemeGuest),
      ],
      constants: [notify],
    },
    {
      // Current members have an open history row; former members a closed one.
      sql: `INSERT INTO channelmemberhistory (channelid, userid, jointime, leavetime)
        SELECT c, u, $4::bigint, CASE WHEN open THEN NULL ELSE $4::bigint END FROM unnest($1::text[], $2::text[], $3::bool[]) AS x(c, u, open)
        ON CONFLICT DO NOTHING`,
      columns: [
        state.channelHistory.map((h) => h.channelId),
        state.channelHistory.map((h) => h.userId),
        state.channelHistory.map((h) => members.has(`${h.channelId}\u0000${h.userId}`)),
      ],
    },
  ]
  return inTransaction(client, 'BEGIN', (conn) => {
    let chain: ResultAsync<void, PostgresError> = okAsync(undefined)
    for (const table of tables)
      chain = chain.andThen(() => insertChunks(conn, table, now, options.chunkSize ?? 50_000))
    return chain
  })
}

function linkColumns(
  links: SyncState['links'],
  del: (deleted: boolean | undefined) => number,
): unknown[][] {
  return [
    links.map((l) => l.groupId),
    links.map((l) => l.syncable.id),
    links.map((l) => l.autoAdd),
    links.map((l) => l.schemeAdmin),
    links.map((l) => del(l.deleted)),
  ]
}

function insertChunks(
  conn: PostgresQueryable,
  table: Table,
  now: number,
  chunkSize: number,
): ResultAsync<void, PostgresError> {
  const rows = table.columns[0]?.length ?? 0
  let chain: ResultAsync<void, PostgresError> = okAsync(undefined)
  for (let start = 0; start < rows; start += chunkSize) {
    const values = [
      ...table.columns.map((c) => c.slice(start, start + chunkSize)),
      ...(table.constants ?? []),
      now,
    ]
    chain = chain.andThen(() =>
      run(conn, 'writing a SyncState', table.sql, values).map(() => undefined),
    )
  }
  return chain
}
