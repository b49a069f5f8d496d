import { okAsync, type ResultAsync } from 'neverthrow'
import type { ChannelMember, SyncCommand, SyncState, TeamMember } from '@grouproles/core'
import type { PostgresQueryable } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { runArrays } from './internal/session.js'
import { toChannel, toGroup, toLink, toTeam, toUser } from './load-sync-state.js'
import * as q from './queries.js'

/** Options of `readTouchedState`. */
export interface ReadTouchedStateOptions {
  /** Only these teams (and their channels) exist, as `LoadSyncStateOptions.teamIds`. */
  readonly teamIds?: readonly string[]
  /** Channels of these names get `defaultChannel: true`. */
  readonly defaultChannelNames: readonly string[]
  /**
   * Read Mattermost's own links of the read teams and channels, and their groups (members among
   * the commands' users only), of these `UserGroups.Source` values (`null`: every source).
   * `undefined`: read no groups or links (the caller brings a group load).
   */
  readonly groupSources?: readonly string[] | null
}

/**
 * The part of Mattermost's state a plan's commands touch, read by id on `conn`: the commands'
 * users; their teams and channels, the channels' teams and every channel of a commanded team (a
 * team add is justified by a channel's auto-add link); the membership rows of the commanded
 * (syncable, user) pairs; and, when `groupSources` is given, the links of the read teams and
 * channels with their groups' members among the commands' users. `admitCommands` gives the same
 * answer for the commands on it as on the full state: it asks nothing about other users or
 * syncables (channel history is not read: admission never asks it).
 */
export function readTouchedState(
  conn: PostgresQueryable,
  commands: readonly SyncCommand[],
  options: ReadTouchedStateOptions,
): ResultAsync<SyncState, PostgresError> {
  const users = new Set<string>()
  const commandTeams = new Set<string>()
  const commandChannels = new Set<string>()
  const teamPairs: [string[], string[]] = [[], []]
  const channelPairs: [string[], string[]] = [[], []]
  for (const c of commands) {
    users.add(c.userId)
    if ('teamId' in c) {
      commandTeams.add(c.teamId)
      teamPairs[0].push(c.teamId)
      teamPairs[1].push(c.userId)
    } else {
      commandChannels.add(c.channelId)
      channelPairs[0].push(c.channelId)
      channelPairs[1].push(c.userId)
    }
  }
  const userIds = [...users]
  const scope = options.teamIds === undefined ? null : [...options.teamIds]
  const defaults = new Set(options.defaultChannelNames)
  const sources = options.groupSources
  return runArrays(conn, 'reading the touched Users', q.selectUsersByIds, [userIds]).andThen(
    (userRows) =>
      runArrays(conn, 'reading the touched Channels', q.selectChannelsTouched, [
        [...commandChannels],
        [...commandTeams],
        scope,
      ]).andThen((channelRows) => {
        const channels = channelRows.map((r) => toChannel(r, defaults))
        const teamIds = new Set(commandTeams)
        for (const c of channels) teamIds.add(c.teamId)
        return runArrays(conn, 'reading the touched Teams', q.selectTeamsByIds, [
          [...teamIds],
          scope,
        ]).andThen((teamRows) =>
          readPairs(conn, teamPairs, channelPairs).andThen((members) => {
            const teams = teamRows.map(toTeam)
            const base = {
              users: userRows.map(toUser),
              teams,
              channels,
              ...members,
              channelHistory: [],
            }
            if (sources === undefined) return okAsync({ ...base, groups: [], links: [] })
            return readLinks(
              conn,
              sources,
              teams.map((t) => t.id),
              channels.map((c) => c.id),
              userIds,
            ).map((own) => ({ ...base, ...own }))
          }),
        )
      }),
  )
}

function readPairs(
  conn: PostgresQueryable,
  teamPairs: [string[], string[]],
  channelPairs: [string[], string[]],
): ResultAsync<Pick<SyncState, 'teamMembers' | 'channelMembers'>, PostgresError> {
  return runArrays(conn, 'reading the touched TeamMembers', q.selectTeamMemberPairs, [
    ...teamPairs,
  ]).andThen((teamRows) =>
    runArrays(conn, 'reading the touched ChannelMembers', q.selectChannelMemberPairs, [
      ...channelPairs,
    ]).map((channelRows) => ({
      teamMembers: teamRows.map((r): TeamMember => ({
        teamId: String(r[0]),
        userId: String(r[1]),
        schemeAdmin: r[2] === true,
        schemeGuest: r[3] === true,
        ...(r[4] === true ? { deleted: true } : {}),
      })),
      channelMembers: channelRows.map((r): ChannelMember => ({
        channelId: String(r[0]),
        userId: String(r[1]),
        schemeAdmin: r[2] === true,
        schemeGuest: r[3] === true,
      })),
    })),
  )
}

// Only the groups of these links matter, and of their members only the commands' users.
function readLinks(
  conn: PostgresQueryable,
  sources: readonly string[] | null,
  teamIds: string[],
  channelIds: string[],
  userIds: string[],
): ResultAsync<Pick<SyncState, 'groups' | 'links'>, PostgresError> {
  const list = sources === null ? null : [...sources]
  return runArrays(conn, 'reading the touched GroupTeams', q.selectTeamLinks, [
    list,
    teamIds,
  ]).andThen((teamLinks) =>
    runArrays(conn, 'reading the touched GroupChannels', q.selectChannelLinksByIds, [
      list,
      channelIds,
    ]).andThen((channelLinks) => {
      const links = [
        ...teamLinks.map((r) => toLink(r, 'team')),
        ...channelLinks.map((r) => toLink(r, 'channel')),
      ]
      const groupIds = [...new Set(links.map((l) => l.groupId))]
      return runArrays(conn, 'reading the touched UserGroups', q.selectGroupsOfUsers, [
        groupIds,
        userIds,
      ]).map((groups) => ({ groups: groups.map(toGroup), links }))
    }),
  )
}
