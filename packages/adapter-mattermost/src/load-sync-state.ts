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
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ApiChannelMember, ApiGroupSyncable, ApiUser } from './api-types.js'
import { checkIds } from './is-mattermost-id.js'
import { perPage, type MattermostClient } from './mattermost-client.js'
import type { MattermostError } from './mattermost-error.js'

/** What `loadSyncState` reads. Without options: every team, and every channel a synced group is linked to. */
export interface LoadSyncStateOptions {
  /** Only these teams (and their channels). */
  readonly teamIds?: readonly string[]
  /**
   * Channels to load even if no synced group links them (e.g. a group-constrained channel whose
   * links were all removed). The API has no team-channel listing in the pinned spec subset, so
   * unlinked channels are otherwise invisible.
   */
  readonly channelIds?: readonly string[]
  /** Which group sources count as synced. Default: `ldap` and `plugin_*` (what Mattermost can link). */
  readonly isSyncedSource?: (source: string) => boolean
  /**
   * Channel member history from elsewhere (the database's `ChannelMemberHistory`, or the channel
   * adds of earlier runs, see `channelHistoryOf`). The API cannot read it; without it a user who
   * left an auto-add channel is planned back in even with `reAddRemovedMembers: false`.
   */
  readonly channelHistory?: readonly ChannelHistory[]
}

const defaultSyncedSource = (source: string): boolean =>
  source === 'ldap' || source.startsWith('plugin_')

/**
 * Reads the Mattermost side of a `SyncState` through the REST API: users, teams, the channels synced
 * groups are linked to, synced groups with their members, live links (from the list endpoints, which
 * keep `scheme_admin`), and team/channel members. Two things the API cannot show are left empty:
 * soft-deleted team rows (only `delete_at = 0` rows are listed) and channel member history.
 */
export function loadSyncState(
  client: MattermostClient,
  options: LoadSyncStateOptions = {},
): ResultAsync<SyncState, MattermostError> {
  const isSynced = options.isSyncedSource ?? defaultSyncedSource
  for (const id of [...(options.teamIds ?? []), ...(options.channelIds ?? [])]) {
    const r = checkIds({ id })
    if (r.isErr()) return errAsync(r.error)
  }
  const scope = options.teamIds === undefined ? undefined : new Set(options.teamIds)

  return ResultAsync.combine([client.listUsers(), client.listTeams(), client.listGroups()] as const)
    .andThen(([apiUsers, apiTeams, apiGroups]) => {
      const synced = apiGroups.filter((g) => g.delete_at === 0 && isSynced(g.source))
      return ResultAsync.combine(
        synced.map((g) =>
          ResultAsync.combine([
            client.listGroupMembers(g.id),
            client.listGroupSyncables(g.id, 'team'),
            client.listGroupSyncables(g.id, 'channel'),
          ] as const).map(([members, teamLinks, channelLinks]) => ({
            group: g,
            members,
            teamLinks,
            channelLinks,
          })),
        ),
      ).map((groups) => ({ apiUsers, apiTeams, groups }))
    })
    .andThen(({ apiUsers, apiTeams, groups }) => {
      const teams = apiTeams
        .filter((t) => scope === undefined || scope.has(t.id))
        .map((t): Team => ({
          id: t.id,
          name: t.name,
          groupConstrained: t.group_constrained === true,
          ...(t.delete_at > 0 ? { deleted: true } : {}),
        }))
      const teamIds = new Set(teams.map((t) => t.id))
      const channelIds = new Set(options.channelIds ?? [])
      for (const g of groups) {
        for (const l of g.channelLinks) {
          if (l.team_id === undefined || teamIds.has(l.team_id)) channelIds.add(l.syncable_id)
        }
      }
      return ResultAsync.combine([...channelIds].map((id) => client.getChannel(id))).map(
        (apiChannels) => ({ apiUsers, groups, teams, teamIds, apiChannels }),
      )
    })
    .andThen(({ apiUsers, groups, teams, teamIds, apiChannels }) => {
      const channels = apiChannels
        .filter((c) => (c.type === 'O' || c.type === 'P') && teamIds.has(c.team_id))
        .map((c): Channel => ({
          id: c.id,
          teamId: c.team_id,
          name: c.name,
          type: c.type === 'O' ? 'O' : 'P',
          groupConstrained: c.group_constrained === true,
          ...(c.delete_at > 0 ? { deleted: true } : {}),
        }))
      const allUserIds = apiUsers.map((u) => u.id)
      const activeUsers = new Set(apiUsers.filter((u) => u.delete_at === 0).map((u) => u.id))
      return ResultAsync.combine([
        ResultAsync.combine(teams.map((t) => client.listTeamMembers(t.id))),
        ResultAsync.combine(
          channels.map((c) => channelMembers(client, c.id, allUserIds, activeUsers)),
        ),
      ] as const).map(([teamRows, channelRows]): SyncState => {
        const channelSet = new Set(channels.map((c) => c.id))
        return {
          users: apiUsers.map(toUser),
          groups: groups.map((g): Group => ({
            id: g.group.id,
            name: g.group.name !== '' ? g.group.name : g.group.display_name,
            memberIds: g.members.map((u) => u.id),
          })),
          teams,
          channels,
          links: groups.flatMap((g) => [
            ...g.teamLinks.filter((l) => teamIds.has(l.syncable_id)).map(toLink),
            ...g.channelLinks.filter((l) => channelSet.has(l.syncable_id)).map(toLink),
          ]),
          teamMembers: teamRows.flat().map((m): TeamMember => ({
            teamId: m.team_id,
            userId: m.user_id,
            schemeAdmin: m.scheme_admin,
            schemeGuest: m.scheme_guest,
          })),
          channelMembers: channelRows.flat().map((m): ChannelMember => ({
            channelId: m.channel_id,
            userId: m.user_id,
            schemeAdmin: m.scheme_admin,
            schemeGuest: m.scheme_guest,
          })),
          // Current members have a history row too (Mattermost writes one on every join).
          channelHistory: [
            ...(options.channelHistory ?? []).filter((h) => channelSet.has(h.channelId)),
            ...channelRows.flat().map((m) => ({ channelId: m.channel_id, userId: m.user_id })),
          ],
        }
      })
    })
}

// Offset paging over an unordered query can skip rows; a full first page means more than one
// query ran, so the count is checked against the stats and, if short, read by user id instead.
function channelMembers(
  client: MattermostClient,
  channelId: string,
  allUserIds: readonly string[],
  activeUsers: ReadonlySet<string>,
): ResultAsync<ApiChannelMember[], MattermostError> {
  return client.listChannelMembers(channelId).andThen((paged) => {
    if (paged.length < perPage) return okAsync(paged)
    return client.getChannelMemberCount(channelId).andThen((count) => {
      const active = paged.filter((m) => activeUsers.has(m.user_id)).length
      return active >= count ? okAsync(paged) : client.getChannelMembersByIds(channelId, allUserIds)
    })
  })
}

/** Maps `Users.Roles` (space-separated) to the core's system role. */
export function toSystemRole(roles: string): SystemRole {
  const list = roles.split(' ')
  if (list.includes('system_admin')) return 'admin'
  if (list.includes('system_guest')) return 'guest'
  return 'user'
}

function toUser(u: ApiUser): User {
  return {
    id: u.id,
    username: u.username,
    ...(u.email !== undefined ? { email: u.email } : {}),
    ...(u.auth_data !== undefined ? { authData: u.auth_data } : {}),
    systemRole: toSystemRole(u.roles),
    ...(u.is_bot ? { isBot: true } : {}),
    ...(u.delete_at > 0 ? { deactivated: true } : {}),
  }
}

function toLink(l: ApiGroupSyncable): GroupLink {
  return {
    groupId: l.group_id,
    syncable: { kind: l.kind, id: l.syncable_id },
    autoAdd: l.auto_add,
    schemeAdmin: l.scheme_admin,
  }
}
