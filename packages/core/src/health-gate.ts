import { channelRows, holdCommands } from './internal/hold-commands.js'
import type { SyncableRef, SyncState } from './model.js'
import type { HoldReason, SafetyWarning, SyncPlan } from './sync-command.js'
import { directorySizes, type LastGoodRun } from './sync-history.js'

/**
 * When the directory looks broken compared with the last complete run. `groupShrink`: a group
 * that lost more than this fraction of its members is frozen (default 0.5), if it had at least
 * `minMembers` then (default 5: a group of 2 losing 1 is no glitch). `totalShrink`: when the
 * directory's users dropped by more than this fraction (default 0.2), the run's removals and
 * demotions are all held.
 */
export interface HealthGateThresholds {
  readonly groupShrink: number
  readonly minMembers: number
  readonly totalShrink: number
}

export const defaultHealthGate: HealthGateThresholds = Object.freeze({
  groupShrink: 0.5,
  minMembers: 5,
  totalShrink: 0.2,
})

/** A group the gate froze, with its size then and now. */
export interface ShrunkGroup {
  readonly id: string
  readonly name: string
  readonly then: number
  readonly now: number
}

/** What the gate found: groups to freeze, and whether the whole run's removals are gated. */
export interface HealthGateResult {
  readonly frozen: readonly ShrunkGroup[]
  readonly directory?: { readonly then: number; readonly now: number }
  readonly warnings: readonly SafetyWarning[]
}

/**
 * Compares the directory's groups in `state` with the last complete run. With no last run (the
 * first one) nothing trips. Groups unavailable now are left alone (they are frozen anyway). Pure.
 */
export function healthGate(
  state: Pick<SyncState, 'groups' | 'links' | 'teams' | 'channels'>,
  lastGood: LastGoodRun | undefined,
  thresholds: HealthGateThresholds = defaultHealthGate,
): HealthGateResult {
  checkThresholds(thresholds)
  if (lastGood === undefined) return { frozen: [], warnings: [] }
  const now = directorySizes(state.groups, 0)
  const sizeNow = new Map(now.groups.map((g) => [g.id, g.members]))
  const percent = (f: number) => `${Math.round(f * 100)} %`
  const frozen: ShrunkGroup[] = []
  const warnings: SafetyWarning[] = []
  const syncables = linkedSyncables(state)
  const nameNow = new Map(state.groups.map((g) => [g.id, g.name]))
  for (const g of lastGood.groups) {
    const members = sizeNow.get(g.id)
    if (members === undefined || g.members < thresholds.minMembers) continue
    if (g.members - members <= thresholds.groupShrink * g.members) continue
    const name = nameNow.get(g.id) ?? g.name
    frozen.push({ id: g.id, name, then: g.members, now: members })
    const refs = syncables.get(g.id) ?? []
    warnings.push({
      kind: 'groupShrank',
      groupId: g.id,
      groupName: name,
      then: g.members,
      now: members,
      limit: thresholds.groupShrink,
      syncables: refs,
      message: `group ${name} shrank from ${g.members} to ${members} members since the last complete run (more than ${percent(thresholds.groupShrink)}): frozen like an unavailable group, no removals or demotions on its ${refs.length} linked team(s)/channel(s) this run`,
    })
  }
  const then = lastGood.users
  if (then > 0 && then - now.users > thresholds.totalShrink * then) {
    warnings.push({
      kind: 'directoryShrank',
      then,
      now: now.users,
      limit: thresholds.totalShrink,
      message: `the directory's users dropped from ${then} to ${now.users} since the last complete run (more than ${percent(thresholds.totalShrink)}): every removal and demotion of this run is held`,
    })
    return { frozen, directory: { then, now: now.users }, warnings }
  }
  return { frozen, warnings }
}

/** `state` with `groupIds` marked unavailable: `planSync` then freezes their syncables. */
export function freezeGroups(state: SyncState, groupIds: Iterable<string>): SyncState {
  const ids = new Set(groupIds)
  if (ids.size === 0) return state
  return {
    ...state,
    groups: state.groups.map((g) => (ids.has(g.id) ? { ...g, status: 'unavailable' } : g)),
  }
}

/**
 * Holds every removal and demotion of `plan` (hold `healthGate`): the directory as a whole looks
 * broken. Channel removals that undo the plan's own default joins stay (nobody loses anything).
 */
export function holdForDirectoryGate(
  plan: SyncPlan,
  state: Pick<SyncState, 'channelMembers'>,
  directory: { readonly then: number; readonly now: number },
  thresholds: HealthGateThresholds = defaultHealthGate,
): SyncPlan {
  const hold: HoldReason = {
    kind: 'healthGate',
    then: directory.then,
    now: directory.now,
    limit: thresholds.totalShrink,
  }
  return holdRemovalsAndDemotions(plan, state, hold)
}

/**
 * Holds every removal and demotion of `plan` with `hold` (the directory gate, a replica behind).
 * Channel removals that undo the plan's own default joins stay (nobody loses anything).
 */
export function holdRemovalsAndDemotions(
  plan: SyncPlan,
  state: Pick<SyncState, 'channelMembers'>,
  hold: HoldReason,
): SyncPlan {
  const rows = channelRows(state)
  return holdCommands(plan, (c) => {
    if (c.kind === 'removeTeamMember') return hold
    if (c.kind === 'removeChannelMember')
      return rows.has(`${c.channelId}\u0000${c.userId}`) ? hold : undefined
    if (c.kind === 'setTeamMemberAdmin' || c.kind === 'setChannelMemberAdmin')
      return c.schemeAdmin ? undefined : hold
    return undefined
  })
}

/** Thresholds out of range are a caller's bug (the CLI validates its config). */
function checkThresholds(t: HealthGateThresholds): void {
  for (const key of ['groupShrink', 'totalShrink'] as const)
    if (!(t[key] >= 0 && t[key] <= 1))
      throw new RangeError(`healthGate.${key} must be in [0, 1], got ${t[key]}`)
  if (!(t.minMembers >= 0))
    throw new RangeError(`healthGate.minMembers must be >= 0, got ${t.minMembers}`)
}

/** Per group id: the live teams and channels it has live links to, sorted. */
function linkedSyncables(
  state: Pick<SyncState, 'links' | 'teams' | 'channels'>,
): Map<string, SyncableRef[]> {
  const live = new Set<string>()
  for (const t of state.teams) if (t.deleted !== true) live.add(`team:${t.id}`)
  for (const c of state.channels) if (c.deleted !== true) live.add(`channel:${c.id}`)
  const byGroup = new Map<string, SyncableRef[]>()
  for (const l of state.links) {
    if (l.deleted === true || !live.has(`${l.syncable.kind}:${l.syncable.id}`)) continue
    let refs = byGroup.get(l.groupId)
    if (refs === undefined) byGroup.set(l.groupId, (refs = []))
    if (!refs.some((r) => r.kind === l.syncable.kind && r.id === l.syncable.id))
      refs.push(l.syncable)
  }
  for (const refs of byGroup.values())
    refs.sort((a, b) =>
      a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    )
  return byGroup
}
