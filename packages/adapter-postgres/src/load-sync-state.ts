import { errAsync, ResultAsync } from 'neverthrow'
import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  SyncState,
  SystemRole,
  Team,
  TeamMember,
  User,
} from '@grouproles/core'
import {
  isPool,
  isSingleSession,
  type PostgresClient,
  type PostgresQueryable,
} from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import {
  inTransaction,
  inTransactionOn,
  run,
  runArrays,
  takeFree,
  type Held,
} from './internal/session.js'
import * as q from './queries.js'
import { defaultChannelNames } from './default-channel-names.js'

/** Options of `loadSyncState`. */
export interface LoadSyncStateOptions {
  /**
   * `UserGroups.Source` values to load as groups (and whose links to load). Default `['ldap']`:
   * Mattermost links only LDAP (and plugin) groups, so custom groups never carry links.
   * `'all'` loads every source.
   */
  readonly groupSources?: readonly string[] | 'all'
  /**
   * Load only these teams, their channels, links and memberships. Users and groups are always
   * loaded whole, because decisions need them.
   */
  readonly teamIds?: readonly string[]
  /**
   * Connections to read over in parallel from a pool, all on one exported snapshot (still one
   * consistent state). Default 3, capped by a `pg.Pool`'s `max`; 1 for a single connection, PGlite,
   * and pools whose size cannot be read. The extra readers only take connections that are free
   * when the read starts (`idleCount`, room below `max`): a load never waits for its own readers,
   * so a busy pool or `withRunLock` holding one connection just means fewer parallel reads.
   */
  readonly connections?: number
  /**
   * Names of the channels Mattermost joins new non-guest team members to: channels of these names
   * get `defaultChannel: true` (core joins only the live open ones). Default `defaultChannelNames`
   * (town-square, off-topic); give `applyPlan` the same list.
   */
  readonly defaultChannelNames?: readonly string[]
}

/** The Mattermost side only, as `fingerprintTarget` hashes it. */
export type TargetState = Pick<
  SyncState,
  'users' | 'teams' | 'channels' | 'teamMembers' | 'channelMembers' | 'channelHistory'
>

/**
 * Reads a `SyncState` from Mattermost's tables in one REPEATABLE READ, READ ONLY transaction, so
 * every part comes from the same snapshot. Optional flags are set only when true (`normalizeState`).
 */
export function loadSyncState(
  client: PostgresClient,
  options: LoadSyncStateOptions = {},
): ResultAsync<SyncState, PostgresError> {
  const sources = sourcesOf(options)
  const teamIds = teamIdsOf(options)
  const connections = connectionsFor(client, options.connections)
  const defaults = new Set(options.defaultChannelNames ?? defaultChannelNames)
  return inTransaction(client, q.beginSnapshot, (main) =>
    readWithMemberships(client, main, connections, teamIds, (conn) =>
      readSmall(conn, sources, teamIds, defaults),
    ),
  )
}

/**
 * Reads `first(main)` and the three membership tables inside the transaction `main` holds. With 2+
 * connections the big membership reads go to other connections of the pool that import `main`'s
 * snapshot (`pg_export_snapshot`), so they see exactly what `main` sees.
 */
export function readWithMemberships<T extends object>(
  client: PostgresClient,
  main: PostgresQueryable,
  connections: number,
  teamIds: string[] | null,
  first: (conn: PostgresQueryable) => ResultAsync<T, PostgresError>,
): ResultAsync<
  T & Pick<SyncState, 'teamMembers' | 'channelMembers' | 'channelHistory'>,
  PostgresError
> {
  type More = Pick<SyncState, 'teamMembers' | 'channelHistory'>
  const rest = (conn: PostgresQueryable): ResultAsync<More, PostgresError> =>
    readTeamMembers(conn, teamIds).andThen((teamMembers) =>
      readHistory(conn, teamIds).map((channelHistory) => ({ teamMembers, channelHistory })),
    )
  type All = T & More & Pick<SyncState, 'channelMembers'>
  const sequential = (): ResultAsync<All, PostgresError> =>
    first(main).andThen((parts) =>
      rest(main).andThen((more) =>
        readChannelMembers(main, teamIds).map((channelMembers) => ({
          ...parts,
          ...more,
          channelMembers,
        })),
      ),
    )
  // Only connections free right now: waiting for one while `main` is held can deadlock the pool.
  const extra = connections < 2 ? [] : takeFree(client, connections - 1)
  const [membersConn, restConn] = extra
  if (membersConn === undefined) return sequential()
  const exported = runArrays(main, 'exporting the snapshot', q.exportSnapshot).orElse((e) => {
    // The taken connections go back unused.
    for (const conn of extra)
      conn
        .then((h) => {
          h.release()
        })
        .catch(() => undefined)
    return errAsync<unknown[][], PostgresError>(e)
  })
  return exported.andThen((rows): ResultAsync<All, PostgresError> => {
    const snapshot = String(rows[0]?.[0])
    const onSnapshot = <R>(
      conn: Promise<Held>,
      fn: (conn: PostgresQueryable) => ResultAsync<R, PostgresError>,
    ): ResultAsync<R, PostgresError> =>
      inTransactionOn(conn, q.beginSnapshot, (c) =>
        run(c, 'importing the snapshot', q.setSnapshot(snapshot)).andThen(() => fn(c)),
      )
    // A connection runs one query at a time, so each one gets a sequential chain.
    const onMain =
      restConn !== undefined
        ? both(first(main), onSnapshot(restConn, rest)).map(([parts, more]) => ({
            ...parts,
            ...more,
          }))
        : first(main).andThen((parts) => rest(main).map((more) => ({ ...parts, ...more })))
    return both(
      onMain,
      onSnapshot(membersConn, (conn) => readChannelMembers(conn, teamIds)),
    ).map(([parts, channelMembers]) => ({
      ...parts,
      channelMembers,
    }))
  })
}

// Runs two chains at once; the first error wins (both are awaited, so no connection is left busy).
function both<A, B>(
  a: ResultAsync<A, PostgresError>,
  b: ResultAsync<B, PostgresError>,
): ResultAsync<[A, B], PostgresError> {
  return new ResultAsync(
    Promise.all([a, b]).then(([ra, rb]) => ra.andThen((x) => rb.map((y): [A, B] => [x, y]))),
  )
}

/** How many connections a load may use: see `LoadSyncStateOptions.connections`. */
export function connectionsFor(client: PostgresClient, wanted: number | undefined): number {
  if (!isPool(client) || isSingleSession(client)) return 1
  const max = (client as { options?: { max?: unknown } }).options?.max
  if (typeof max !== 'number') return wanted ?? 1
  return Math.max(1, Math.min(wanted ?? 3, max))
}

function sourcesOf(options: LoadSyncStateOptions): string[] | null {
  return options.groupSources === 'all' ? null : [...(options.groupSources ?? ['ldap'])]
}

function teamIdsOf(options: { readonly teamIds?: readonly string[] }): string[] | null {
  return options.teamIds === undefined ? null : [...options.teamIds]
}

type SmallParts = Pick<SyncState, 'users' | 'groups' | 'teams' | 'channels' | 'links'>

function readSmall(
  conn: PostgresQueryable,
  sources: string[] | null,
  teamIds: string[] | null,
  defaults: ReadonlySet<string>,
): ResultAsync<SmallParts, PostgresError> {
  return runArrays(conn, 'reading Users', q.selectUsers).andThen((users) =>
    runArrays(conn, 'reading Teams', q.selectTeams, [teamIds]).andThen((teams) =>
      runArrays(conn, 'reading Channels', q.selectChannels, [teamIds]).andThen((channels) =>
        runArrays(conn, 'reading UserGroups', q.selectGroups, [sources]).andThen((groups) =>
          runArrays(conn, 'reading GroupTeams', q.selectTeamLinks, [sources, teamIds]).andThen(
            (teamLinks) =>
              runArrays(conn, 'reading GroupChannels', q.selectChannelLinks, [
                sources,
                teamIds,
              ]).map((channelLinks): SmallParts => ({
                users: users.map(toUser),
                groups: groups.map(toGroup),
                teams: teams.map(toTeam),
                channels: channels.map((r) => toChannel(r, defaults)),
                links: [
                  ...teamLinks.map((r) => toLink(r, 'team')),
                  ...channelLinks.map((r) => toLink(r, 'channel')),
                ],
              })),
          ),
        ),
      ),
    ),
  )
}

function readTeamMembers(
  conn: PostgresQueryable,
  teamIds: string[] | null,
): ResultAsync<TeamMember[], PostgresError> {
  return runArrays(conn, 'reading TeamMembers', q.selectTeamMembers, [teamIds]).map(toTeamMembers)
}

function readChannelMembers(
  conn: PostgresQueryable,
  teamIds: string[] | null,
): ResultAsync<ChannelMember[], PostgresError> {
  return runArrays(conn, 'reading ChannelMembers', q.selectChannelMembers, [teamIds]).map(
    toChannelMembers,
  )
}

function readHistory(
  conn: PostgresQueryable,
  teamIds: string[] | null,
): ResultAsync<ChannelHistory[], PostgresError> {
  return runArrays(conn, 'reading ChannelMemberHistory', q.selectHistory, [teamIds]).map(toHistory)
}

/**
 * Mattermost's own groups and links (of `groupSources`, default `['ldap']`; links of `teamIds` only),
 * read on `conn`: what `applyPlan` admits commands by when the caller gives no group load.
 */
export function readGroupsAndLinks(
  conn: PostgresQueryable,
  options: Pick<LoadSyncStateOptions, 'groupSources' | 'teamIds'>,
): ResultAsync<Pick<SyncState, 'groups' | 'links'>, PostgresError> {
  const sources = sourcesOf(options)
  const teamIds = teamIdsOf(options)
  return runArrays(conn, 'reading UserGroups', q.selectGroups, [sources]).andThen((groups) =>
    runArrays(conn, 'reading GroupTeams', q.selectTeamLinks, [sources, teamIds]).andThen(
      (teamLinks) =>
        runArrays(conn, 'reading GroupChannels', q.selectChannelLinks, [sources, teamIds]).map(
          (channelLinks) => ({
            groups: groups.map(toGroup),
            links: [
              ...teamLinks.map((r) => toLink(r, 'team')),
              ...channelLinks.map((r) => toLink(r, 'channel')),
            ],
          }),
        ),
    ),
  )
}

/**
 * Reads the target part (what `fingerprintTarget` covers) inside the transaction `main` holds, over
 * `connections` connections of `client` as `readWithMemberships` does.
 */
export function readTarget(
  client: PostgresClient,
  main: PostgresQueryable,
  connections: number,
  teamIds: string[] | null,
): ResultAsync<TargetState, PostgresError> {
  return readWithMemberships(client, main, connections, teamIds, (conn) =>
    runArrays(conn, 'reading Users', q.selectUsers).andThen((users) =>
      runArrays(conn, 'reading Teams', q.selectTeams, [teamIds]).andThen((teams) =>
        runArrays(conn, 'reading Channels', q.selectChannels, [teamIds]).map((channels) => ({
          users: users.map(toUser),
          teams: teams.map(toTeam),
          // defaultChannel is not part of the target fingerprint.
          channels: channels.map((r) => toChannel(r, noDefaults)),
        })),
      ),
    ),
  )
}

const systemRoles: Readonly<Record<string, SystemRole>> = { a: 'admin', g: 'guest', u: 'user' }

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

export function toUser(r: unknown[]): User {
  const email = text(r[2])
  const authData = text(r[3])
  return {
    id: String(r[0]),
    username: String(r[1]),
    ...(email !== undefined ? { email } : {}),
    ...(authData !== undefined ? { authData } : {}),
    systemRole: systemRoles[String(r[4])] ?? 'user',
    ...(r[6] === true ? { isBot: true } : {}),
    ...(r[5] === true ? { deactivated: true } : {}),
  }
}

export function toGroup(r: unknown[]): Group {
  const members = text(r[3])
  return {
    id: String(r[0]),
    name: String(r[1]),
    memberIds: members === undefined ? [] : members.split(','),
    ...(r[2] === true ? { deleted: true } : {}),
  }
}

export function toLink(r: unknown[], kind: 'team' | 'channel'): GroupLink {
  return {
    groupId: String(r[0]),
    syncable: { kind, id: String(r[1]) },
    autoAdd: r[2] === true,
    schemeAdmin: r[3] === true,
    ...(r[4] === true ? { deleted: true } : {}),
  }
}

export function toTeam(r: unknown[]): Team {
  return {
    id: String(r[0]),
    name: String(r[1]),
    groupConstrained: r[2] === true,
    ...(r[3] === true ? { deleted: true } : {}),
  }
}

const noDefaults: ReadonlySet<string> = new Set()

export function toChannel(r: unknown[], defaults: ReadonlySet<string>): Channel {
  const type = String(r[3])
  const name = String(r[2])
  return {
    id: String(r[0]),
    teamId: String(r[1]),
    name,
    // D and G are what is left; an unknown type never takes part in group sync either.
    type: type === 'O' || type === 'P' || type === 'D' ? type : 'G',
    groupConstrained: r[4] === true,
    ...(r[5] === true ? { deleted: true } : {}),
    // By name, whatever the type: joins skip channels that are not live and open, as Mattermost does.
    ...(defaults.has(name) ? { defaultChannel: true } : {}),
  }
}

// Items are `<userid><flag digit>` joined by commas (queries.ts). Scanning with indexOf makes one
// string per row (no intermediate split array); the syncable id string is shared by its rows.
function toTeamMembers(rows: unknown[][]): TeamMember[] {
  const out: TeamMember[] = []
  for (const r of rows) {
    const teamId = String(r[0])
    const list = String(r[1])
    for (let start = 0; start < list.length;) {
      let end = list.indexOf(',', start)
      if (end < 0) end = list.length
      const flags = list.charCodeAt(end - 1) - 48
      const userId = list.slice(start, end - 1)
      out.push(
        (flags & 4) !== 0
          ? {
              teamId,
              userId,
              schemeAdmin: (flags & 1) !== 0,
              schemeGuest: (flags & 2) !== 0,
              deleted: true,
            }
          : { teamId, userId, schemeAdmin: (flags & 1) !== 0, schemeGuest: (flags & 2) !== 0 },
      )
      start = end + 1
    }
  }
  return out
}

function toChannelMembers(rows: unknown[][]): ChannelMember[] {
  const out: ChannelMember[] = []
  for (const r of rows) {
    const channelId = String(r[0])
    const list = String(r[1])
    for (let start = 0; start < list.length;) {
      let end = list.indexOf(',', start)
      if (end < 0) end = list.length
      const flags = list.charCodeAt(end - 1) - 48
      const userId = list.slice(start, end - 1)
      out.push({
        channelId,
        userId,
        schemeAdmin: (flags & 1) !== 0,
        schemeGuest: (flags & 2) !== 0,
      })
      start = end + 1
    }
  }
  return out
}

function toHistory(rows: unknown[][]): ChannelHistory[] {
  const out: ChannelHistory[] = []
  for (const r of rows) {
    const channelId = String(r[0])
    const list = String(r[1])
    for (let start = 0; start < list.length;) {
      let end = list.indexOf(',', start)
      if (end < 0) end = list.length
      out.push({ channelId, userId: list.slice(start, end) })
      start = end + 1
    }
  }
  return out
}
