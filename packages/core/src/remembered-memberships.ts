import { match, P } from 'ts-pattern'
import type { ChannelHistory, SyncState, TeamMember } from './model.js'
import type { ApplyReport } from './ports.js'
import { defaultChannelsByTeam } from './internal/default-channels.js'

/**
 * Per team and channel: every user id a run saw as a member or made one. Plain data, what a
 * `MembershipStore` keeps for targets whose API cannot list departures (Mattermost's REST API).
 */
export interface RememberedMemberships {
  readonly teams: readonly { readonly teamId: string; readonly userIds: readonly string[] }[]
  readonly channels: readonly { readonly channelId: string; readonly userIds: readonly string[] }[]
}

/**
 * Adds what the memory implies and the API cannot show: a soft-deleted team row for a remembered
 * user with no team row now, a history row per remembered channel member. Only for teams, channels
 * and users present in `state`. Pure.
 */
export function withRememberedMemberships(
  state: SyncState,
  memory: RememberedMemberships,
): SyncState {
  const users = new Map(state.users.map((u) => [u.id, u]))
  const teamIds = new Set(state.teams.map((t) => t.id))
  const channelIds = new Set(state.channels.map((c) => c.id))

  const teamRows = pairSet(state.teamMembers, (m) => m.teamId)
  const left: TeamMember[] = []
  for (const { teamId, userIds } of memory.teams) {
    if (!teamIds.has(teamId)) continue
    const rows = teamRows.get(teamId) ?? new Set<string>()
    teamRows.set(teamId, rows)
    for (const userId of userIds) {
      const user = users.get(userId)
      if (user === undefined || rows.has(userId)) continue
      rows.add(userId)
      // Mattermost keeps a left member's row soft-deleted; its flags only matter on a re-add,
      // which writes fresh ones.
      left.push({
        teamId,
        userId,
        schemeAdmin: false,
        schemeGuest: user.systemRole === 'guest',
        deleted: true,
      })
    }
  }

  const historyRows = pairSet(state.channelHistory, (h) => h.channelId)
  const past: ChannelHistory[] = []
  for (const { channelId, userIds } of memory.channels) {
    if (!channelIds.has(channelId)) continue
    const rows = historyRows.get(channelId) ?? new Set<string>()
    historyRows.set(channelId, rows)
    for (const userId of userIds) {
      if (!users.has(userId) || rows.has(userId)) continue
      rows.add(userId)
      past.push({ channelId, userId })
    }
  }

  if (left.length === 0 && past.length === 0) return state
  return {
    ...state,
    teamMembers: left.length === 0 ? state.teamMembers : [...state.teamMembers, ...left],
    channelHistory: past.length === 0 ? state.channelHistory : [...state.channelHistory, ...past],
  }
}

/**
 * What to remember from a load (active team rows, channel rows) and, when given, from an apply
 * report (adds that are done or already hold; a done team add of a non-guest also counts the
 * default channels Mattermost joined them to, as `applyPlan` models it). Pure; teams, channels
 * and user ids come out sorted and without repeats, empty entries left out.
 */
export function membershipsToRemember(
  state: SyncState,
  report?: ApplyReport,
): RememberedMemberships {
  const teams = new Map<string, Set<string>>()
  const channels = new Map<string, Set<string>>()
  for (const m of state.teamMembers) if (m.deleted !== true) addTo(teams, m.teamId, m.userId)
  for (const m of state.channelMembers) addTo(channels, m.channelId, m.userId)

  let defaultChannels: Map<string, string[]> | undefined
  for (const outcome of report?.outcomes ?? []) {
    if (outcome.kind === 'failed') continue
    match(outcome.command)
      .with({ kind: 'addTeamMember' }, (c) => {
        addTo(teams, c.teamId, c.userId)
        // Only a join that happened now (done, not already) made default channel rows.
        if (outcome.kind !== 'done' || c.role === 'guest') return
        defaultChannels ??= defaultChannelsByTeam(state.channels)
        for (const channelId of defaultChannels.get(c.teamId) ?? [])
          addTo(channels, channelId, c.userId)
      })
      .with({ kind: 'addChannelMember' }, (c) => {
        addTo(channels, c.channelId, c.userId)
      })
      .with(
        {
          kind: P.union(
            'setTeamMemberAdmin',
            'setChannelMemberAdmin',
            'removeTeamMember',
            'removeChannelMember',
          ),
        },
        () => undefined,
      )
      .exhaustive()
  }

  return {
    teams: sortedEntries(teams).map(([teamId, userIds]) => ({ teamId, userIds })),
    channels: sortedEntries(channels).map(([channelId, userIds]) => ({ channelId, userIds })),
  }
}

/** Per syncable id, the user ids of its rows. */
function pairSet<T extends { readonly userId: string }>(
  rows: readonly T[],
  syncableId: (row: T) => string,
): Map<string, Set<string>> {
  const bySyncable = new Map<string, Set<string>>()
  for (const row of rows) addTo(bySyncable, syncableId(row), row.userId)
  return bySyncable
}

function addTo(map: Map<string, Set<string>>, key: string, userId: string): void {
  let set = map.get(key)
  if (set === undefined) map.set(key, (set = new Set()))
  set.add(userId)
}

function sortedEntries(map: Map<string, Set<string>>): [string, string[]][] {
  return [...map.entries()]
    .filter(([, ids]) => ids.size > 0)
    .map(([id, ids]): [string, string[]] => [id, [...ids].sort()])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
