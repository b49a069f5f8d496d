import { match } from 'ts-pattern'
import { holdCommands } from './internal/hold-commands.js'
import type { SyncableRef, SyncState, User } from './model.js'
import type { HoldReason, PlannedCommand, SafetyWarning, SyncPlan } from './sync-command.js'

/**
 * Holds, with hold `lastAdmin`, every demotion and removal that would take away the last scheme
 * admin of a team or channel that has one now: the plan's own promotions and admin adds count as
 * admins after it, system admins (who administer everything anyway) and deactivated users never
 * count. A team removal also takes the user's channel rows of that team, so it is held when it
 * would empty one of those channels of admins. Holding only keeps admins, so one pass is enough.
 * Pure.
 */
export function guardLastAdmin(
  state: Pick<SyncState, 'users' | 'teams' | 'channels' | 'teamMembers' | 'channelMembers'>,
  plan: SyncPlan,
): { readonly plan: SyncPlan; readonly warnings: readonly SafetyWarning[] } {
  const users = new Map(state.users.map((u) => [u.id, u]))
  const counts = (userId: string): boolean => countsAsAdmin(users.get(userId))
  const liveTeams = new Set(state.teams.filter((t) => t.deleted !== true).map((t) => t.id))
  const channelsOfTeam = new Map<string, string[]>()
  const liveChannels = new Set<string>()
  for (const c of state.channels) {
    if (c.deleted === true || (c.type !== 'O' && c.type !== 'P') || !liveTeams.has(c.teamId))
      continue
    liveChannels.add(c.id)
    const list = channelsOfTeam.get(c.teamId)
    if (list === undefined) channelsOfTeam.set(c.teamId, [c.id])
    else list.push(c.id)
  }

  // Admins now, per `team:id` / `channel:id`.
  const admins = new Map<string, Set<string>>()
  const addAdmin = (key: string, userId: string): void => {
    let set = admins.get(key)
    if (set === undefined) admins.set(key, (set = new Set()))
    set.add(userId)
  }
  for (const m of state.teamMembers)
    if (m.deleted !== true && m.schemeAdmin && liveTeams.has(m.teamId) && counts(m.userId))
      addAdmin(`team:${m.teamId}`, m.userId)
  for (const m of state.channelMembers)
    if (m.schemeAdmin && !m.schemeGuest && liveChannels.has(m.channelId) && counts(m.userId))
      addAdmin(`channel:${m.channelId}`, m.userId)
  if (admins.size === 0) return { plan, warnings: [] }

  // What the plan takes (per syncable: the admins it loses, and by which commands) and gives.
  const lost = new Map<string, Map<string, PlannedCommand[]>>()
  const gained = new Set<string>()
  const lose = (key: string, userId: string, command: PlannedCommand): void => {
    if (admins.get(key)?.has(userId) !== true) return
    let byUser = lost.get(key)
    if (byUser === undefined) lost.set(key, (byUser = new Map<string, PlannedCommand[]>()))
    const list = byUser.get(userId)
    if (list === undefined) byUser.set(userId, [command])
    else list.push(command)
  }
  for (const c of plan.commands)
    match(c)
      .with({ kind: 'setTeamMemberAdmin' }, (x) => {
        if (!x.schemeAdmin) lose(`team:${x.teamId}`, x.userId, x)
        else if (counts(x.userId)) gained.add(`team:${x.teamId}`)
      })
      .with({ kind: 'setChannelMemberAdmin' }, (x) => {
        if (!x.schemeAdmin) lose(`channel:${x.channelId}`, x.userId, x)
        else if (counts(x.userId)) gained.add(`channel:${x.channelId}`)
      })
      .with({ kind: 'addTeamMember' }, (x) => {
        if (x.role === 'admin' && counts(x.userId)) gained.add(`team:${x.teamId}`)
      })
      .with({ kind: 'addChannelMember' }, (x) => {
        if (x.role === 'admin' && counts(x.userId)) gained.add(`channel:${x.channelId}`)
      })
      .with({ kind: 'removeTeamMember' }, (x) => {
        lose(`team:${x.teamId}`, x.userId, x)
        for (const channelId of channelsOfTeam.get(x.teamId) ?? [])
          lose(`channel:${channelId}`, x.userId, x)
      })
      .with({ kind: 'removeChannelMember' }, (x) => {
        lose(`channel:${x.channelId}`, x.userId, x)
      })
      .exhaustive()

  const holds = new Map<PlannedCommand, HoldReason>()
  const warnings: SafetyWarning[] = []
  for (const [key, byUser] of [...lost].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const before = admins.get(key) as Set<string>
    if (gained.has(key) || byUser.size < before.size) continue
    const syncable = refOf(key)
    const hold: HoldReason = { kind: 'lastAdmin', syncable }
    for (const commands of byUser.values())
      for (const c of commands) if (!holds.has(c)) holds.set(c, hold)
    const userIds = [...byUser.keys()].sort()
    const names = userIds.map((id) => users.get(id)?.username ?? id).join(', ')
    warnings.push({
      kind: 'lastAdminKept',
      syncable,
      userIds,
      message: `${syncable.kind} ${nameOf(state, syncable)} would be left with no scheme admin: the demotion or removal of ${names} is held (config lastAdmin: 'allow' lets it through)`,
    })
  }
  if (holds.size === 0) return { plan, warnings: [] }
  return { plan: holdCommands(plan, (c) => holds.get(c)), warnings }
}

/** Whether a user's scheme-admin flag counts as an admin the guard keeps. */
function countsAsAdmin(user: User | undefined): boolean {
  return user !== undefined && user.systemRole !== 'admin' && user.deactivated !== true
}

function refOf(key: string): SyncableRef {
  return key.startsWith('team:')
    ? { kind: 'team', id: key.slice('team:'.length) }
    : { kind: 'channel', id: key.slice('channel:'.length) }
}

function nameOf(state: Pick<SyncState, 'teams' | 'channels'>, ref: SyncableRef): string {
  const found =
    ref.kind === 'team'
      ? state.teams.find((t) => t.id === ref.id)
      : state.channels.find((c) => c.id === ref.id)
  return found?.name ?? ref.id
}
