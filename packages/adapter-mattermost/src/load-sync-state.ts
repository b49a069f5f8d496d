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
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type {
  ApiChannel,
  ApiChannelMember,
  ApiGroup,
  ApiGroupSyncable,
  ApiTeam,
  ApiUser,
} from './api-types.js'
import { checkIds } from './is-mattermost-id.js'
import { Limiter, pooled } from './limiter.js'
import type { MattermostClient } from './mattermost-client.js'
import type { MattermostError } from './mattermost-error.js'
import {
  defaultMattermostReadLimits,
  withinReadBudget,
  type MattermostReadLimits,
} from './read-budget.js'

/** What `loadSyncState` reads. Without options: every team, its channels, and Mattermost's groups. */
export interface LoadSyncStateOptions {
  /** Only these teams (and their channels), by id. With `teamNames` too, a team named by either is in scope. */
  readonly teamIds?: readonly string[]
  /** Only these teams (and their channels), by name; a name no team has is an `unknownTeam` error. */
  readonly teamNames?: readonly string[]
  /**
   * Channels to load beyond the listing, by id (e.g. an archived private channel the per-team
   * listing does not show). Kept for compatibility: the listing finds every other channel.
   */
  readonly channelIds?: readonly string[]
  /**
   * `mattermost` (default): read Mattermost's own groups and links; an unlicensed server (501) or a
   * licence without LDAP groups (403 `api.ldap_groups.license_error`) means "no groups", not a
   * failure. `none`: never touch a group route (the groups come from the directory).
   */
  readonly groups?: 'mattermost' | 'none'
  /**
   * Channel names Mattermost joins new team members to: town-square and off-topic by default, or
   * town-square plus the server's `TeamSettings.ExperimentalDefaultChannels`. Sets
   * `Channel.defaultChannel`.
   */
  readonly defaultChannelNames?: readonly string[]
  /** Which group sources count as synced. Default: `ldap` and `plugin_*` (what Mattermost can link). */
  readonly isSyncedSource?: (source: string) => boolean
  /**
   * Channel member history from elsewhere (the database's `ChannelMemberHistory`, or the channel
   * adds of earlier runs). The API cannot read it; `MattermostSyncTarget` with a store adds it.
   */
  readonly channelHistory?: readonly ChannelHistory[]
  /**
   * Bounds on the whole read (a deadline, a number of requests), each defaulting to
   * `defaultMattermostReadLimits`: a server that drags on or pages without end ends the read with a
   * `readLimit` error. The client bounds each listing's pages and each body's bytes.
   */
  readonly limits?: Partial<MattermostReadLimits>
}

/** The channels a new team member joins when the server's list is not configured. */
export const defaultChannelNames: readonly string[] = Object.freeze(['town-square', 'off-topic'])

export const defaultSyncedSource = (source: string): boolean =>
  source === 'ldap' || source.startsWith('plugin_')

export type ReadGroup = {
  readonly group: ApiGroup
  readonly members: readonly string[]
  readonly links: readonly ApiGroupSyncable[]
}

/**
 * Reads the Mattermost side of a `SyncState` through the REST API: users, the teams in scope and
 * all their channels (archived ones marked deleted), Mattermost's synced groups with their
 * members and live links (unless `groups: 'none'`), and team and channel members. Independent
 * reads run at once, limited only by the client's concurrency: users and channel listings a window
 * of pages at a time, team members as soon as the teams are known, channel members as soon as the
 * channels are. Soft-deleted team rows and channel history are not in the API; current channel
 * members get a history row (every join writes one).
 */
export function loadSyncState(
  client: MattermostClient,
  options: LoadSyncStateOptions = {},
): ResultAsync<SyncState, MattermostError> {
  const limits = { ...defaultMattermostReadLimits, ...options.limits }
  return new ResultAsync(
    withinReadBudget(
      limits,
      (budget) => readSyncState(client.withReadBudget(budget), options),
      (e) => err(e),
    ),
  )
}

// `client` is a view with the read's budget: every request made from here counts against it.
function readSyncState(
  client: MattermostClient,
  options: LoadSyncStateOptions,
): ResultAsync<SyncState, MattermostError> {
  for (const id of [...(options.teamIds ?? []), ...(options.channelIds ?? [])]) {
    const r = checkIds({ id })
    if (r.isErr()) return errAsync(r.error)
  }
  const ids = new IdTable()
  // Listings of members wait in pools of twice the client's concurrency, so the client's queue
  // (and the memory of its queued requests) stays short while every slot stays busy.
  const pool = () => new Limiter(2 * client.concurrency)
  const [teamPool, channelPool] = [pool(), pool()]
  const users = client.listUsers().map((list) => list.map((u) => toUser(u, ids)))
  const groups =
    options.groups === 'none'
      ? okAsync<ReadGroup[], MattermostError>([])
      : readGroups(client, options.isSyncedSource ?? defaultSyncedSource, ids, pool())
  const teams = client.listTeams().andThen((all) => scopeTeams(all, options))
  // Team member reads start as soon as the teams are known; channel re-reads wait on them.
  const teamReads = teams.map(
    (list) =>
      new Map(
        list.map((t) => [
          t.id,
          pooled(teamPool, () =>
            client.listTeamMembers(t.id, (m): TeamMember => ({
              teamId: t.id,
              userId: m.user_id,
              schemeAdmin: m.scheme_admin,
              schemeGuest: m.scheme_guest,
            })),
          ),
        ]),
      ),
  )
  const channels = readChannels(client, teams, options)
  const channelRows = ResultAsync.combine([channels, teamReads] as const).andThen(
    ([list, byTeam]) =>
      ResultAsync.combine(
        list.map((c) =>
          pooled(channelPool, () => readChannelMembers(client, c, byTeam.get(c.teamId))),
        ),
      ),
  )
  const teamRows = teamReads.andThen((byTeam) => ResultAsync.combine([...byTeam.values()]))

  // A deactivated user is in no group's member list; one with a row in scope has their groups
  // read by user, so the plan sees the memberships Mattermost's own sync sees.
  const allGroups = ResultAsync.combine([users, groups, teamRows, channelRows] as const).andThen(
    ([userList, groupList, teamMembers, channelMembers]) => {
      if (groupList.length === 0) return okAsync(groupList)
      const withRows = new Set<string>()
      for (const m of teamMembers.flat()) withRows.add(m.userId)
      for (const m of channelMembers.flat()) withRows.add(m.userId)
      const deactivated = userList.filter((u) => u.deactivated === true && withRows.has(u.id))
      return withDeactivatedMembers(
        client,
        groupList,
        deactivated.map((u) => u.id),
        pool(),
      )
    },
  )

  return ResultAsync.combine([
    users,
    allGroups,
    teams,
    channels,
    teamRows,
    channelRows,
  ] as const).map(
    ([userList, groupList, teamList, channelList, teamMembers, channelMembers]): SyncState => {
      const teamIds = new Set(teamList.map((t) => t.id))
      const channelIds = new Set(channelList.map((c) => c.id))
      const members = channelMembers.flat()
      return {
        users: userList,
        groups: groupList.map((g): Group => ({
          id: g.group.id,
          name: g.group.name !== '' ? g.group.name : g.group.display_name,
          memberIds: g.members,
        })),
        teams: teamList,
        channels: channelList,
        links: groupList.flatMap((g) =>
          g.links
            .filter((l) => (l.kind === 'team' ? teamIds : channelIds).has(l.syncable_id))
            .map(toLink),
        ),
        teamMembers: teamMembers.flat(),
        channelMembers: members,
        // Current members have a history row too (Mattermost writes one on every join).
        // (a member row is one: same channel and user, so it stands for it rather than a copy).
        channelHistory: [
          ...(options.channelHistory ?? []).filter((h) => channelIds.has(h.channelId)),
          ...members,
        ],
      }
    },
  )
}

// ---- teams and channels ---------------------------------------------------------------------

export function scopeTeams(
  all: readonly ApiTeam[],
  options: LoadSyncStateOptions,
): Result<Team[], MattermostError> {
  const byId = options.teamIds === undefined ? undefined : new Set(options.teamIds)
  const byName = options.teamNames === undefined ? undefined : new Set(options.teamNames)
  if (byName !== undefined) {
    const known = new Set(all.map((t) => t.name))
    const unknown = [...byName].filter((n) => !known.has(n))
    if (unknown.length > 0) {
      return err({
        kind: 'unknownTeam',
        names: unknown,
        message: `no team is named ${unknown.map((n) => `"${n}"`).join(', ')}`,
      })
    }
  }
  const scoped =
    byId === undefined && byName === undefined
      ? all
      : all.filter((t) => byId?.has(t.id) === true || byName?.has(t.name) === true)
  return ok(
    scoped.map((t): Team => ({
      id: t.id,
      name: t.name,
      groupConstrained: t.group_constrained === true,
      ...(t.delete_at > 0 ? { deleted: true } : {}),
    })),
  )
}

// `GET /channels` lists every team's channels in one paged listing; a token that may not use it
// (403) lists each team in scope instead: public, private and archived channels.
function readChannels(
  client: MattermostClient,
  teams: ResultAsync<readonly Team[], MattermostError>,
  options: LoadSyncStateOptions,
): ResultAsync<Channel[], MattermostError> {
  const listed = client
    .listChannels({ includeDeleted: true })
    .orElse((e) =>
      e.kind === 'http' && e.status === 403
        ? teams.andThen((list) =>
            ResultAsync.combine(
              list.flatMap((t) =>
                (['public', 'private', 'deleted'] as const).map((which) =>
                  client.listTeamChannels(t.id, which),
                ),
              ),
            ).map((parts) => parts.flat()),
          )
        : errAsync(e),
    )
  const names = new Set(options.defaultChannelNames ?? defaultChannelNames)
  return ResultAsync.combine([teams, listed] as const).andThen(([teamList, apiChannels]) => {
    const inScope = new Set(teamList.map((t) => t.id))
    const seen = new Set(apiChannels.map((c) => c.id))
    const extra = (options.channelIds ?? []).filter((id) => !seen.has(id))
    return ResultAsync.combine(extra.map((id) => client.getChannel(id))).map((more) => {
      const unique = new Map([...apiChannels, ...more].map((c) => [c.id, c]))
      return [...unique.values()]
        .filter((c) => (c.type === 'O' || c.type === 'P') && inScope.has(c.team_id))
        .map((c) => toChannel(c, names))
    })
  })
}

// Offset paging over the server's unordered query can skip rows when pages overlap. Every member of
// a channel is a member of its team, so a channel whose pages came up short is re-read, by id,
// for the team's members the pages did not show: never by every user. A channel that still falls
// short of what its pages claimed holds members without an active team row (Mattermost's group
// sync can add those); their ids then come from the stable users listing of the channel.
function readChannelMembers(
  client: MattermostClient,
  channel: Channel,
  teamMembers: ResultAsync<readonly TeamMember[], MattermostError> | undefined,
): ResultAsync<ChannelMember[], MattermostError> {
  const toRow = (m: ApiChannelMember): ChannelMember => ({
    channelId: channel.id,
    userId: m.user_id,
    schemeAdmin: m.scheme_admin,
    schemeGuest: m.scheme_guest,
  })
  return client.pageChannelMembers(channel.id, toRow).andThen(({ items: rows, listed }) => {
    if (rows.length >= listed) return okAsync(rows)
    const seen = new Set(rows.map((m) => m.userId))
    const readMissing = (candidates: readonly string[]) => {
      const missing = candidates.filter((u) => !seen.has(u))
      if (missing.length === 0) return okAsync(rows)
      return client.getChannelMembersByIds(channel.id, missing).map((more) => {
        for (const m of more) {
          if (seen.has(m.user_id)) continue
          seen.add(m.user_id)
          rows.push(toRow(m))
        }
        return rows
      })
    }
    const byTeam =
      teamMembers === undefined
        ? okAsync<ChannelMember[], MattermostError>(rows)
        : teamMembers.andThen((team) => readMissing(team.map((m) => m.userId)))
    return byTeam.andThen(() =>
      rows.length >= listed
        ? okAsync(rows)
        : client.listChannelMemberIds(channel.id).andThen(readMissing),
    )
  })
}

// ---- groups ---------------------------------------------------------------------------------

// A server without a licence answers the group routes 501; one whose licence lacks LDAP groups
// answers 403 api.ldap_groups.license_error. Both mean "no Mattermost groups".
function isLicenceRefusal(e: MattermostError): boolean {
  return (
    e.kind === 'http' &&
    (e.status === 501 || (e.status === 403 && e.errorId === 'api.ldap_groups.license_error'))
  )
}

export function readGroups(
  client: MattermostClient,
  isSynced: (source: string) => boolean,
  ids: IdTable,
  groupPool: Limiter,
): ResultAsync<ReadGroup[], MattermostError> {
  return client
    .listGroups()
    .orElse((e) => (isLicenceRefusal(e) ? okAsync([]) : errAsync(e)))
    .andThen((all) =>
      ResultAsync.combine(
        all
          .filter((g) => g.delete_at === 0 && isSynced(g.source))
          .map((g) =>
            pooled(groupPool, () =>
              ResultAsync.combine([
                client
                  .listGroupMemberIds(g.id)
                  .map((members) => members.map((id) => ids.intern(id))),
                client.listGroupSyncables(g.id, 'team'),
                client.listGroupSyncables(g.id, 'channel'),
              ] as const).map(([members, teamLinks, channelLinks]): ReadGroup => ({
                group: g,
                members,
                links: [...teamLinks, ...channelLinks],
              })),
            ),
          ),
      ),
    )
}

/**
 * `groups` with each of `userIds` (deactivated users, whom the group member routes leave out)
 * added to the groups `GET /users/{id}/groups` names, one request per user.
 */
export function withDeactivatedMembers(
  client: MattermostClient,
  groups: readonly ReadGroup[],
  userIds: readonly string[],
  userPool: Limiter,
): ResultAsync<ReadGroup[], MattermostError> {
  if (groups.length === 0 || userIds.length === 0) return okAsync([...groups])
  return ResultAsync.combine(
    userIds.map((userId) =>
      pooled(userPool, () =>
        client.listUserGroups(userId).map((list) => ({ userId, groupIds: list.map((g) => g.id) })),
      ),
    ),
  ).map((found) => {
    const extra = new Map<string, string[]>()
    for (const { userId, groupIds } of found)
      for (const id of groupIds) {
        const list = extra.get(id)
        if (list === undefined) extra.set(id, [userId])
        else list.push(userId)
      }
    return groups.map((g) => {
      const more = extra.get(g.group.id)
      if (more === undefined) return g
      // The member lists never hold a deactivated user, but a listing is the server's word.
      const known = new Set(g.members)
      return { ...g, members: [...g.members, ...more.filter((u) => !known.has(u))] }
    })
  })
}

// ---- rows -----------------------------------------------------------------------------------

// One string per distinct user id among users and group members. Member rows keep the strings
// their page parsed: looking 2.5 M of them up in a 100k-entry table cost more CPU (seconds at the
// benchmark's size, in lookups and in collections) than the ~120 MB it saved.
export class IdTable {
  readonly #ids = new Map<string, string>()

  intern(id: string): string {
    const known = this.#ids.get(id)
    if (known !== undefined) return known
    this.#ids.set(id, id)
    return id
  }
}

/** Maps `Users.Roles` (space-separated) to the core's system role. */
export function toSystemRole(roles: string): SystemRole {
  const list = roles.split(' ')
  if (list.includes('system_admin')) return 'admin'
  if (list.includes('system_guest')) return 'guest'
  return 'user'
}

export function toUser(u: ApiUser, ids: IdTable): User {
  return {
    id: ids.intern(u.id),
    username: u.username,
    ...(u.email !== undefined ? { email: u.email } : {}),
    ...(u.auth_data !== undefined ? { authData: u.auth_data } : {}),
    systemRole: toSystemRole(u.roles),
    ...(u.is_bot ? { isBot: true } : {}),
    ...(u.delete_at > 0 ? { deactivated: true } : {}),
  }
}

export function toChannel(c: ApiChannel, defaults: ReadonlySet<string>): Channel {
  return {
    id: c.id,
    teamId: c.team_id,
    name: c.name,
    type: c.type === 'O' ? 'O' : 'P',
    groupConstrained: c.group_constrained === true,
    ...(c.delete_at > 0 ? { deleted: true } : {}),
    ...(defaults.has(c.name) ? { defaultChannel: true } : {}),
  }
}

export function toLink(l: ApiGroupSyncable): GroupLink {
  return {
    groupId: l.group_id,
    syncable: { kind: l.kind, id: l.syncable_id },
    autoAdd: l.auto_add,
    schemeAdmin: l.scheme_admin,
  }
}
