import { match } from 'ts-pattern'
import type { ChannelHistory, ChannelMember, SyncState, TeamMember } from './model.js'
import type { SyncCommand } from './sync-command.js'
import { defaultChannelsByTeam } from './internal/default-channels.js'

/**
 * The pure model of applying commands, as Mattermost's store does it: a team add inserts or revives
 * the row (fresh flags) and, for a non-guest, joins the team's default channels (see below); a
 * team removal soft-deletes it and deletes the user's memberships of that team's channels, a
 * channel add writes a history row, a channel removal deletes the row (history stays). Commands
 * whose effect already holds change nothing. The test oracle for every adapter.
 *
 * Default channels (Mattermost's `JoinDefaultChannels`): a team add that creates or revives the row
 * with a role other than `guest` joins the user to every channel of that team with
 * `defaultChannel`, type `O` and not deleted where they have no row: a plain member row and a
 * history row. A channel add for a row such a join made in the same call sets its admin flag from
 * the add's role (the plan's role wins, as for any add); any other existing row stays as it is.
 *
 * `model` adds what a target does beyond the store (`PlanApplier.appliesAs`).
 */
export function applyPlan(
  state: SyncState,
  plan: { readonly commands: readonly SyncCommand[] } | readonly SyncCommand[],
  model: ApplyPlanModel = {},
): SyncState {
  const commands: readonly SyncCommand[] = isCommandList(plan) ? plan : plan.commands
  const teamMembers = new Map<string, TeamMember>()
  for (const m of state.teamMembers) teamMembers.set(`${m.teamId}\u0000${m.userId}`, m)
  const channelMembers = new Map<string, ChannelMember>()
  for (const m of state.channelMembers) channelMembers.set(`${m.channelId}\u0000${m.userId}`, m)
  const history = new Map<string, ChannelHistory>()
  for (const h of state.channelHistory) history.set(`${h.channelId}\u0000${h.userId}`, h)
  let channelsOfTeam: Map<string, string[]> | undefined
  let defaultChannelsOfTeam: Map<string, string[]> | undefined
  let guests: Set<string> | undefined
  let teamOfChannel: Map<string, string> | undefined
  /** Channel rows a default join of this call made and nothing has replaced since. */
  const joinedByDefault = new Set<string>()

  for (const command of commands) {
    match(command)
      .with({ kind: 'addTeamMember' }, (c) => {
        const key = `${c.teamId}\u0000${c.userId}`
        const row = teamMembers.get(key)
        if (row !== undefined && row.deleted !== true) return
        teamMembers.set(key, {
          teamId: c.teamId,
          userId: c.userId,
          schemeAdmin: c.role === 'admin',
          schemeGuest: c.role === 'guest',
        })
        if (c.role === 'guest') return
        defaultChannelsOfTeam ??= defaultChannelsByTeam(state.channels)
        for (const channelId of defaultChannelsOfTeam.get(c.teamId) ?? []) {
          const channelKey = `${channelId}\u0000${c.userId}`
          if (channelMembers.has(channelKey)) continue
          channelMembers.set(channelKey, {
            channelId,
            userId: c.userId,
            schemeAdmin: false,
            schemeGuest: false,
          })
          joinedByDefault.add(channelKey)
          if (!history.has(channelKey)) history.set(channelKey, { channelId, userId: c.userId })
        }
      })
      .with({ kind: 'addChannelMember' }, (c) => {
        const key = `${c.channelId}\u0000${c.userId}`
        const row = channelMembers.get(key)
        if (row !== undefined && joinedByDefault.has(key)) {
          if (row.schemeAdmin !== (c.role === 'admin'))
            channelMembers.set(key, { ...row, schemeAdmin: c.role === 'admin' })
          return
        }
        if (row !== undefined) return
        channelMembers.set(key, {
          channelId: c.channelId,
          userId: c.userId,
          schemeAdmin: c.role === 'admin',
          schemeGuest: c.role === 'guest',
        })
        if (!history.has(key)) history.set(key, { channelId: c.channelId, userId: c.userId })
      })
      .with({ kind: 'setTeamMemberAdmin' }, (c) => {
        const key = `${c.teamId}\u0000${c.userId}`
        const row = teamMembers.get(key)
        if (row === undefined || row.deleted === true || row.schemeAdmin === c.schemeAdmin) return
        teamMembers.set(key, { ...row, schemeAdmin: c.schemeAdmin })
      })
      .with({ kind: 'setChannelMemberAdmin' }, (c) => {
        const key = `${c.channelId}\u0000${c.userId}`
        const row = channelMembers.get(key)
        if (row === undefined || row.schemeAdmin === c.schemeAdmin) return
        channelMembers.set(key, { ...row, schemeAdmin: c.schemeAdmin })
      })
      .with({ kind: 'removeTeamMember' }, (c) => {
        const key = `${c.teamId}\u0000${c.userId}`
        const row = teamMembers.get(key)
        if (row === undefined || row.deleted === true) return
        teamMembers.set(key, { ...row, deleted: true })
        channelsOfTeam ??= indexChannels(state)
        for (const channelId of channelsOfTeam.get(c.teamId) ?? []) {
          channelMembers.delete(`${channelId}\u0000${c.userId}`)
          joinedByDefault.delete(`${channelId}\u0000${c.userId}`)
        }
      })
      .with({ kind: 'removeChannelMember' }, (c) => {
        const removed = channelMembers.delete(`${c.channelId}\u0000${c.userId}`)
        joinedByDefault.delete(`${c.channelId}\u0000${c.userId}`)
        if (!removed || model.guestsLeaveTeamWithLastChannel !== true) return
        guests ??= new Set(state.users.filter((u) => u.systemRole === 'guest').map((u) => u.id))
        teamOfChannel ??= new Map(state.channels.map((ch) => [ch.id, ch.teamId]))
        const teamId = teamOfChannel.get(c.channelId)
        if (!guests.has(c.userId) || teamId === undefined || teamId === '') return
        const teamKey = `${teamId}\u0000${c.userId}`
        const row = teamMembers.get(teamKey)
        if (row === undefined || row.deleted === true) return
        // GetMembersForUser(teamId): rows in the team's channels (any type) or in no team's (DMs).
        for (const m of channelMembers.values()) {
          if (m.userId !== c.userId) continue
          const other = teamOfChannel.get(m.channelId)
          if (other === teamId || other === '') return
        }
        teamMembers.set(teamKey, { ...row, deleted: true })
      })
      .exhaustive()
  }
  return {
    ...state,
    teamMembers: [...teamMembers.values()],
    channelMembers: [...channelMembers.values()],
    channelHistory: [...history.values()],
  }
}

/**
 * What a target does when it applies commands beyond what Mattermost's store does (and core's
 * `applyPlan` models by default). A target says which with `PlanApplier.appliesAs`.
 */
export interface ApplyPlanModel {
  /**
   * Mattermost's `removeUserFromChannel` (app layer, so every REST removal): a guest account
   * removed from a channel who then has no row in any channel of that team or of no team (DMs,
   * GMs) is removed from the team as well (the row is soft-deleted). Writing Mattermost's tables
   * directly does not do it. Default false.
   */
  readonly guestsLeaveTeamWithLastChannel?: boolean
}

// Team removal leaves only the team's open and private channels; D/G memberships are not team-bound.
function indexChannels(state: SyncState): Map<string, string[]> {
  const byTeam = new Map<string, string[]>()
  for (const c of state.channels) {
    if (c.type !== 'O' && c.type !== 'P') continue
    let list = byTeam.get(c.teamId)
    if (list === undefined) byTeam.set(c.teamId, (list = []))
    list.push(c.id)
  }
  return byTeam
}

function isCommandList(
  plan: { readonly commands: readonly SyncCommand[] } | readonly SyncCommand[],
): plan is readonly SyncCommand[] {
  return Array.isArray(plan)
}
