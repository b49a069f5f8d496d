import { match, P } from 'ts-pattern'
import { holdCommands } from './internal/hold-commands.js'
import type { SyncState } from './model.js'
import type { ApplyReport } from './ports.js'
import type { RememberedMemberships } from './remembered-memberships.js'
import type { HoldReason, SafetyWarning, SyncPlan } from './sync-command.js'

/** The memberships this project added, as `team\0id\0user` / `channel\0id\0user` keys. */
function keysOf(added: RememberedMemberships | undefined): Set<string> {
  const keys = new Set<string>()
  for (const t of added?.teams ?? [])
    for (const u of t.userIds) keys.add(`team\u0000${t.teamId}\u0000${u}`)
  for (const c of added?.channels ?? [])
    for (const u of c.userIds) keys.add(`channel\u0000${c.channelId}\u0000${u}`)
  return keys
}

/**
 * `removals: 'ownOnly'`: holds (hold `notAdded`) every removal that would take a membership this
 * project did not add: a channel row not in `added`, a team row not in `added`, or a team removal
 * that would also take a channel row of that team not in `added` (leaving a team leaves its
 * channels). Those members were added by hand: reported as drift (warning `drift`), never
 * touched. A channel removal with no row (undoing the plan's own default join) is not held. Pure.
 */
export function applyOwnOnly(
  plan: SyncPlan,
  state: Pick<SyncState, 'channels' | 'channelMembers'>,
  added: RememberedMemberships | undefined,
): { readonly plan: SyncPlan; readonly warnings: readonly SafetyWarning[] } {
  const own = keysOf(added)
  const channelById = new Map(state.channels.map((c) => [c.id, c]))
  const rows = new Set<string>()
  // Per team and user: whether a channel row of theirs in that team was added by hand.
  const handChannel = new Set<string>()
  for (const m of state.channelMembers) {
    rows.add(`${m.channelId}\u0000${m.userId}`)
    const channel = channelById.get(m.channelId)
    // LeaveTeam takes the user's O/P channel rows of the team (see applyPlan).
    if (channel === undefined || (channel.type !== 'O' && channel.type !== 'P')) continue
    if (!own.has(`channel\u0000${m.channelId}\u0000${m.userId}`))
      handChannel.add(`${channel.teamId}\u0000${m.userId}`)
  }
  const hold: HoldReason = { kind: 'notAdded' }
  const guarded = holdCommands(plan, (c) =>
    match(c)
      .with({ kind: 'removeTeamMember' }, (x) =>
        own.has(`team\u0000${x.teamId}\u0000${x.userId}`) &&
        !handChannel.has(`${x.teamId}\u0000${x.userId}`)
          ? undefined
          : hold,
      )
      .with({ kind: 'removeChannelMember' }, (x) =>
        !rows.has(`${x.channelId}\u0000${x.userId}`) ||
        own.has(`channel\u0000${x.channelId}\u0000${x.userId}`)
          ? undefined
          : hold,
      )
      .with(
        {
          kind: P.union(
            'addTeamMember',
            'addChannelMember',
            'setTeamMemberAdmin',
            'setChannelMemberAdmin',
          ),
        },
        () => undefined,
      )
      .exhaustive(),
  )
  const count = guarded.held.length - plan.held.length
  if (count === 0) return { plan, warnings: [] }
  return {
    plan: guarded,
    warnings: [
      {
        kind: 'drift',
        count,
        message: `${count} membership(s) no linked group justifies were added by hand, not by grouproles (removals: 'ownOnly'): reported, not removed`,
      },
    ],
  }
}

/**
 * The provenance after an apply: `added` with the adds that were done now (and the default channel
 * joins a done team add of a non-guest made, as `applyPlan` models them), without the memberships
 * removed now (a later hand-made re-add is not ours). An add that `already` held was not made by
 * this project. Pure; ids sorted, empty entries left out.
 */
export function recordAdded(
  added: RememberedMemberships | undefined,
  report: ApplyReport,
  state: Pick<SyncState, 'channels'>,
): RememberedMemberships {
  const teams = new Map<string, Set<string>>()
  const channels = new Map<string, Set<string>>()
  const put = (map: Map<string, Set<string>>, id: string, user: string): void => {
    let set = map.get(id)
    if (set === undefined) map.set(id, (set = new Set()))
    set.add(user)
  }
  for (const t of added?.teams ?? []) for (const u of t.userIds) put(teams, t.teamId, u)
  for (const c of added?.channels ?? []) for (const u of c.userIds) put(channels, c.channelId, u)
  const defaults = new Map<string, string[]>()
  for (const c of state.channels)
    if (c.defaultChannel === true && c.type === 'O' && c.deleted !== true) {
      const list = defaults.get(c.teamId)
      if (list === undefined) defaults.set(c.teamId, [c.id])
      else list.push(c.id)
    }
  const channelsOf = new Map<string, string[]>()
  for (const c of state.channels) {
    const list = channelsOf.get(c.teamId)
    if (list === undefined) channelsOf.set(c.teamId, [c.id])
    else list.push(c.id)
  }
  for (const outcome of report.outcomes) {
    if (outcome.kind !== 'done') continue
    match(outcome.command)
      .with({ kind: 'addTeamMember' }, (c) => {
        put(teams, c.teamId, c.userId)
        if (c.role !== 'guest')
          for (const id of defaults.get(c.teamId) ?? []) put(channels, id, c.userId)
      })
      .with({ kind: 'addChannelMember' }, (c) => {
        put(channels, c.channelId, c.userId)
      })
      .with({ kind: 'removeTeamMember' }, (c) => {
        teams.get(c.teamId)?.delete(c.userId)
        for (const id of channelsOf.get(c.teamId) ?? []) channels.get(id)?.delete(c.userId)
      })
      .with({ kind: 'removeChannelMember' }, (c) => {
        channels.get(c.channelId)?.delete(c.userId)
      })
      .with({ kind: P.union('setTeamMemberAdmin', 'setChannelMemberAdmin') }, () => undefined)
      .exhaustive()
  }
  const sorted = (map: Map<string, Set<string>>) =>
    [...map.entries()]
      .filter(([, ids]) => ids.size > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, ids]) => [id, [...ids].sort()] as const)
  return {
    teams: sorted(teams).map(([teamId, userIds]) => ({ teamId, userIds })),
    channels: sorted(channels).map(([channelId, userIds]) => ({ channelId, userIds })),
  }
}
