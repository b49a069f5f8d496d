import type {
  ApplyContext,
  ChannelMember,
  Group,
  SyncCommand,
  SyncState,
  TeamMember,
} from '@grouproles/core'
import { err, errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ApiChannel } from './api-types.js'
import { isMattermostId } from './is-mattermost-id.js'
import { Limiter } from './limiter.js'
import {
  defaultChannelNames,
  defaultSyncedSource,
  IdTable,
  readGroups,
  withDeactivatedMembers,
  scopeTeams,
  toChannel,
  toLink,
  toUser,
  type LoadSyncStateOptions,
  type ReadGroup,
} from './load-sync-state.js'
import type { MattermostClient } from './mattermost-client.js'
import type { MattermostError } from './mattermost-error.js'
import { defaultMattermostReadLimits, withinReadBudget } from './read-budget.js'

/**
 * Options of `readTouchedState`: the load options the plan's state was read with (its scope, the
 * default channel names, whose groups), and the group load admission will use.
 */
export type ReadTouchedStateOptions = Pick<
  LoadSyncStateOptions,
  'teamIds' | 'teamNames' | 'defaultChannelNames' | 'groups' | 'isSyncedSource' | 'limits'
> & {
  /**
   * The groups and links the commands are admitted with (the plan's group load): a team add that
   * only a channel's auto-add link justifies needs that channel's row, read too. Without it,
   * Mattermost's own groups and links are read (unless `groups: 'none'`).
   */
  readonly groupLoad?: ApplyContext['groupLoad']
}

/**
 * The part of Mattermost's state some commands touch, read through the API by id: the commands'
 * users (`POST /users/ids`); their channels (`GET /channels/{id}`) and the channels a team add's
 * user is auto-added to by a link (which justify the add); the teams (one `GET /teams` listing,
 * scoped as `loadSyncState` scopes it); the membership rows of the commanded pairs (`POST
 * /teams|channels/{id}/members/ids`, one per syncable); and, without a group load, Mattermost's
 * own groups and their links (`loadSyncState`'s group read: it does not grow with the teams'
 * members). `admitCommands` gives the same answer for the commands on it as on `loadSyncState`'s
 * whole state: it asks nothing about other users, channels or rows. Ids not of Mattermost's form
 * are not read (admission refuses them first); a channel that does not exist (404) is absent.
 * Soft-deleted team rows are not in the API; channel history is not read (admission never asks it).
 */
export function readTouchedState(
  client: MattermostClient,
  commands: readonly SyncCommand[],
  options: ReadTouchedStateOptions = {},
): ResultAsync<SyncState, MattermostError> {
  const limits = { ...defaultMattermostReadLimits, ...options.limits }
  return new ResultAsync(
    withinReadBudget(
      limits,
      (budget) => readTouched(client.withReadBudget(budget), commands, options),
      (e) => err(e),
    ),
  )
}

function readTouched(
  client: MattermostClient,
  commands: readonly SyncCommand[],
  options: ReadTouchedStateOptions,
): ResultAsync<SyncState, MattermostError> {
  const users = new Set<string>()
  const teamAddUsers = new Set<string>()
  // Syncable id -> the commands' users on it.
  const teamPairs = new Map<string, Set<string>>()
  const channelPairs = new Map<string, Set<string>>()
  for (const c of commands) {
    const syncable = 'teamId' in c ? c.teamId : c.channelId
    if (!isMattermostId(c.userId) || !isMattermostId(syncable)) continue
    users.add(c.userId)
    if (c.kind === 'addTeamMember') teamAddUsers.add(c.userId)
    const pairs = 'teamId' in c ? teamPairs : channelPairs
    let list = pairs.get(syncable)
    if (list === undefined) pairs.set(syncable, (list = new Set()))
    list.add(c.userId)
  }
  const ids = new IdTable()
  const load = options.groupLoad
  const own =
    load !== undefined || options.groups === 'none'
      ? okAsync<ReadGroup[], MattermostError>([])
      : readGroups(
          client,
          options.isSyncedSource ?? defaultSyncedSource,
          ids,
          new Limiter(2 * client.concurrency),
        )
  const userRows =
    users.size === 0
      ? okAsync([])
      : client.getUsersByIds([...users]).map((list) => list.map((u) => toUser(u, ids)))
  const names = new Set(options.defaultChannelNames ?? defaultChannelNames)
  const channels = own.andThen((groups) => {
    const wanted = new Set(channelPairs.keys())
    for (const id of linkedChannelsOf(teamAddUsers, groups, load)) wanted.add(id)
    return ResultAsync.combine([...wanted].map((id) => channelOrNone(client, id))).map((list) =>
      list.flatMap((c) => (c !== undefined && (c.type === 'O' || c.type === 'P') ? [c] : [])),
    )
  })
  const teams = client.listTeams().andThen((all) => scopeTeams(all, options))
  // The touched deactivated users' groups, which the member lists leave out (as in the whole read).
  const ownAll = ResultAsync.combine([own, userRows] as const).andThen(([groupList, userList]) =>
    withDeactivatedMembers(
      client,
      groupList,
      userList.filter((u) => u.deactivated === true).map((u) => u.id),
      new Limiter(2 * client.concurrency),
    ),
  )
  return ResultAsync.combine([userRows, teams, channels, ownAll] as const).andThen(
    ([userList, allTeams, apiChannels, groupList]) => {
      // Only the teams the commands or their channels name; channels of teams out of scope are
      // not in the state, as in the whole read.
      const touchedTeams = new Set([...teamPairs.keys(), ...apiChannels.map((c) => c.team_id)])
      const teamList = allTeams.filter((t) => touchedTeams.has(t.id))
      const inScope = new Set(teamList.map((t) => t.id))
      const channelList = apiChannels
        .filter((c) => inScope.has(c.team_id))
        .map((c) => toChannel(c, names))
      const channelIds = new Set(channelList.map((c) => c.id))
      return readPairs(
        client,
        [...teamPairs].filter(([id]) => inScope.has(id)),
        [...channelPairs].filter(([id]) => channelIds.has(id)),
      ).map(({ teamMembers, channelMembers }): SyncState => ({
        users: userList,
        teams: teamList,
        channels: channelList,
        teamMembers,
        channelMembers,
        channelHistory: [],
        groups: groupList.map((g): Group => ({
          id: g.group.id,
          name: g.group.name !== '' ? g.group.name : g.group.display_name,
          memberIds: g.members,
        })),
        links: groupList.flatMap((g) =>
          g.links
            .filter((l) => (l.kind === 'team' ? inScope : channelIds).has(l.syncable_id))
            .map(toLink),
        ),
      }))
    },
  )
}

/**
 * The channels a live auto-add link joins some team add's user to: such a link justifies adding
 * the user to the channel's team (`admitCommands`' `viaChannels`), so admission needs the row.
 */
function linkedChannelsOf(
  teamAddUsers: ReadonlySet<string>,
  own: readonly ReadGroup[],
  load: ApplyContext['groupLoad'],
): string[] {
  if (teamAddUsers.size === 0) return []
  const holdsOne = (members: readonly string[]) => members.some((u) => teamAddUsers.has(u))
  const out = new Set<string>()
  if (load !== undefined) {
    const groups = new Map(load.groups.map((g) => [g.id, g]))
    const joins = new Map<string, boolean>()
    for (const l of load.links) {
      if (l.syncable.kind !== 'channel' || !l.autoAdd || l.deleted === true) continue
      let yes = joins.get(l.groupId)
      if (yes === undefined) {
        const g = groups.get(l.groupId)
        yes = g !== undefined && g.deleted !== true && holdsOne(g.memberIds)
        joins.set(l.groupId, yes)
      }
      if (yes) out.add(l.syncable.id)
    }
  } else
    for (const g of own) {
      if (!holdsOne(g.members)) continue
      for (const l of g.links) if (l.kind === 'channel' && l.auto_add) out.add(l.syncable_id)
    }
  return [...out].filter(isMattermostId)
}

// A channel that does not exist is absent from the state, as in the whole read; other failures
// fail the read.
function channelOrNone(
  client: MattermostClient,
  id: string,
): ResultAsync<ApiChannel | undefined, MattermostError> {
  return client
    .getChannel(id)
    .map((c): ApiChannel | undefined => c)
    .orElse((e) =>
      e.kind === 'http' && e.status === 404
        ? okAsync<ApiChannel | undefined, MattermostError>(undefined)
        : errAsync(e),
    )
}

function readPairs(
  client: MattermostClient,
  teams: readonly (readonly [string, ReadonlySet<string>])[],
  channels: readonly (readonly [string, ReadonlySet<string>])[],
): ResultAsync<Pick<SyncState, 'teamMembers' | 'channelMembers'>, MattermostError> {
  const teamRows = ResultAsync.combine(
    teams.map(([teamId, users]) =>
      client.getTeamMembersByIds(teamId, [...users]).map((rows) =>
        rows
          // The server answers active rows only; a soft-deleted one stays out should it not.
          .filter((m) => m.delete_at === 0)
          .map((m): TeamMember => ({
            teamId,
            userId: m.user_id,
            schemeAdmin: m.scheme_admin,
            schemeGuest: m.scheme_guest,
          })),
      ),
    ),
  )
  const channelRows = ResultAsync.combine(
    channels.map(([channelId, users]) =>
      client.getChannelMembersByIds(channelId, [...users]).map((rows) =>
        rows.map((m): ChannelMember => ({
          channelId,
          userId: m.user_id,
          schemeAdmin: m.scheme_admin,
          schemeGuest: m.scheme_guest,
        })),
      ),
    ),
  )
  return ResultAsync.combine([teamRows, channelRows] as const).map(([t, c]) => ({
    teamMembers: t.flat(),
    channelMembers: c.flat(),
  }))
}
