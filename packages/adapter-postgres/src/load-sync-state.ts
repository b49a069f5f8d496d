import type { ResultAsync } from 'neverthrow'
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
import type { PostgresClient, PostgresQueryable } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { inTransaction, runArrays } from './internal/session.js'
import * as q from './queries.js'

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
  return inTransaction(client, q.beginSnapshot, (conn) => readState(conn, options))
}

/** Reads the state on a connection whose transaction the caller holds. */
export function readState(
  conn: PostgresQueryable,
  options: LoadSyncStateOptions,
): ResultAsync<SyncState, PostgresError> {
  const sources = options.groupSources === 'all' ? null : [...(options.groupSources ?? ['ldap'])]
  const teamIds = options.teamIds === undefined ? null : [...options.teamIds]
  return readTarget(conn, teamIds).andThen((target) =>
    runArrays(conn, 'reading UserGroups', q.selectGroups, [sources]).andThen((groupRows) =>
      runArrays(conn, 'reading GroupTeams', q.selectTeamLinks, [sources, teamIds]).andThen(
        (teamLinkRows) =>
          runArrays(conn, 'reading GroupChannels', q.selectChannelLinks, [sources, teamIds]).map(
            (channelLinkRows): SyncState => ({
              users: target.users,
              groups: groupRows.map(toGroup),
              teams: target.teams,
              channels: target.channels,
              links: [
                ...teamLinkRows.map((r) => toLink(r, 'team')),
                ...channelLinkRows.map((r) => toLink(r, 'channel')),
              ],
              teamMembers: target.teamMembers,
              channelMembers: target.channelMembers,
              channelHistory: target.channelHistory,
            }),
          ),
      ),
    ),
  )
}

/** Reads users, teams, channels, memberships and history (what a plan's target fingerprint covers). */
export function readTarget(conn: PostgresQueryable, teamIds: string[] | null): ResultAsync<TargetState, PostgresError> {
  // One query at a time: a connection runs them in order anyway, and pg 9 refuses overlapping ones.
  return runArrays(conn, 'reading Users', q.selectUsers).andThen((users) =>
    runArrays(conn, 'reading Teams', q.selectTeams, [teamIds]).andThen((teams) =>
      runArrays(conn, 'reading Channels', q.selectChannels, [teamIds]).andThen((channels) =>
        runArrays(conn, 'reading TeamMembers', q.selectTeamMembers, [teamIds]).andThen((teamMembers) =>
          runArrays(conn, 'reading ChannelMembers', q.selectChannelMembers, [teamIds]).andThen((channelMembers) =>
            runArrays(conn, 'reading ChannelMemberHistory', q.selectHistory, [teamIds]).map((history) => ({
              users: users.map(toUser),
              teams: teams.map(toTeam),
              channels: channels.map(toChannel),
              teamMembers: toTeamMembers(teamMembers),
              channelMembers: toChannelMembers(channelMembers),
              channelHistory: toHistory(history),
            })),
          ),
        ),
      ),
    ),
  )
}

const systemRoles: Readonly<Record<string, SystemRole>> = { a: 'admin', g: 'guest', u: 'user' }

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function toUser(r: unknown[]): User {
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

function toGroup(r: unknown[]): Group {
  const members = text(r[3])
  return {
    id: String(r[0]),
    name: String(r[1]),
    memberIds: members === undefined ? [] : members.split(','),
    ...(r[2] === true ? { deleted: true } : {}),
  }
}

function toLink(r: unknown[], kind: 'team' | 'channel'): GroupLink {
  return {
    groupId: String(r[0]),
    syncable: { kind, id: String(r[1]) },
    autoAdd: r[2] === true,
    schemeAdmin: r[3] === true,
    ...(r[4] === true ? { deleted: true } : {}),
  }
}

function toTeam(r: unknown[]): Team {
  return {
    id: String(r[0]),
    name: String(r[1]),
    groupConstrained: r[2] === true,
    ...(r[3] === true ? { deleted: true } : {}),
  }
}

function toChannel(r: unknown[]): Channel {
  const type = String(r[3])
  return {
    id: String(r[0]),
    teamId: String(r[1]),
    name: String(r[2]),
    // D and G are what is left; an unknown type never takes part in group sync either.
    type: type === 'O' || type === 'P' || type === 'D' ? type : 'G',
    groupConstrained: r[4] === true,
    ...(r[5] === true ? { deleted: true } : {}),
  }
}

// Items are `<userid><flag digit>`; see queries.ts. The syncable id string is shared by its rows.
function toTeamMembers(rows: unknown[][]): TeamMember[] {
  const out: TeamMember[] = []
  for (const r of rows) {
    const teamId = String(r[0])
    for (const item of String(r[1]).split(',')) {
      const flags = item.charCodeAt(item.length - 1) - 48
      const userId = item.slice(0, -1)
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
    }
  }
  return out
}

function toChannelMembers(rows: unknown[][]): ChannelMember[] {
  const out: ChannelMember[] = []
  for (const r of rows) {
    const channelId = String(r[0])
    for (const item of String(r[1]).split(',')) {
      const flags = item.charCodeAt(item.length - 1) - 48
      out.push({
        channelId,
        userId: item.slice(0, -1),
        schemeAdmin: (flags & 1) !== 0,
        schemeGuest: (flags & 2) !== 0,
      })
    }
  }
  return out
}

function toHistory(rows: unknown[][]): ChannelHistory[] {
  const out: ChannelHistory[] = []
  for (const r of rows) {
    const channelId = String(r[0])
    for (const userId of String(r[1]).split(',')) out.push({ channelId, userId })
  }
  return out
}
