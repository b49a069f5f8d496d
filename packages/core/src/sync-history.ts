import type { Group, SyncState } from './model.js'
import type { FreshnessMarker } from './replica-freshness.js'
import type { RememberedMemberships } from './remembered-memberships.js'
import type { HeldCommand, PlannedCommand, SyncPlan } from './sync-command.js'

/** A membership no linked group justifies, counted across complete runs (the grace period). */
export interface PendingRemoval {
  readonly kind: 'team' | 'channel'
  readonly syncableId: string
  readonly userId: string
  /** Consecutive complete runs that found it unjustified. */
  readonly runs: number
  /** When the first of those runs saw it (epoch ms). */
  readonly since: number
}

/** The directory as the last complete run saw it: what the health gate compares with. */
export interface LastGoodRun {
  /** When that run planned (epoch ms). */
  readonly at: number
  /** Distinct Mattermost users in the directory's live, complete groups. */
  readonly users: number
  readonly groups: readonly {
    readonly id: string
    readonly name: string
    readonly members: number
  }[]
  /** The directory's freshness marker that run read; absent when its source has none. */
  readonly freshness?: FreshnessMarker
}

/**
 * What a store remembers between runs for the safety rules, as plain data: the grace period's
 * counters and the last complete run's directory sizes. Only complete applied runs change it (see
 * `nextSyncHistory`).
 */
export interface SyncHistory {
  readonly pendingRemovals: readonly PendingRemoval[]
  readonly lastGood?: LastGoodRun
  /**
   * Provenance: the memberships this project added (and has not removed since), in the shape of
   * `RememberedMemberships`. With `removals: 'ownOnly'` only these are ever removed. Absent: none
   * recorded yet.
   */
  readonly added?: RememberedMemberships
}

/** No run seen yet. */
export const emptySyncHistory: SyncHistory = Object.freeze({ pendingRemovals: [] })

/** The history store's key of a removal: kind, syncable id and user id. */
export function pendingKey(kind: 'team' | 'channel', syncableId: string, userId: string): string {
  return `${kind}\u0000${syncableId}\u0000${userId}`
}

/** A removal command (planned or held) as the history's key, or `undefined` for other kinds. */
export function removalKey(command: PlannedCommand | HeldCommand): string | undefined {
  if (command.kind === 'removeTeamMember') return pendingKey('team', command.teamId, command.userId)
  if (command.kind === 'removeChannelMember')
    return pendingKey('channel', command.channelId, command.userId)
  return undefined
}

/** Pending removals by `pendingKey`. */
export function pendingByKey(history: SyncHistory): Map<string, PendingRemoval> {
  const byKey = new Map<string, PendingRemoval>()
  for (const p of history.pendingRemovals) byKey.set(pendingKey(p.kind, p.syncableId, p.userId), p)
  return byKey
}

/** The sizes the health gate compares: live, complete groups and their distinct users. */
export function directorySizes(groups: readonly Group[], at: number): LastGoodRun {
  const users = new Set<string>()
  const sizes: { id: string; name: string; members: number }[] = []
  for (const g of groups) {
    if (g.deleted === true || g.status === 'unavailable') continue
    const members = new Set(g.memberIds)
    for (const id of members) users.add(id)
    sizes.push({ id: g.id, name: g.name, members: members.size })
  }
  sizes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return { at, users: users.size, groups: sizes }
}

/**
 * The history after a complete applied run that planned `plan` from `state` at `now`: every
 * removal the plan makes or holds (its own limits, the grace period, the last-admin guard; not
 * those left to Mattermost) is counted one more run, keeping when it was first seen; a membership
 * no longer unjustified is forgotten (it came back, or is gone). The directory's sizes become the
 * last good run, with the directory's freshness marker read for it (`freshness`). Call it only
 * for runs that count: one that froze a group, failed, was gated or read a replica behind must
 * leave the history as it was. Pure.
 */
export function nextSyncHistory(
  history: SyncHistory,
  plan: Pick<SyncPlan, 'commands' | 'held'>,
  state: Pick<SyncState, 'groups'>,
  now: number,
  freshness?: FreshnessMarker,
): SyncHistory {
  const before = pendingByKey(history)
  const next = new Map<string, PendingRemoval>()
  const count = (c: PlannedCommand | HeldCommand): void => {
    const key = removalKey(c)
    if (key === undefined || next.has(key)) return
    const prev = before.get(key)
    const [kind, syncableId] =
      c.kind === 'removeTeamMember'
        ? (['team', c.teamId] as const)
        : (['channel', (c as { channelId: string }).channelId] as const)
    next.set(key, {
      kind,
      syncableId,
      userId: c.userId,
      runs: (prev?.runs ?? 0) + 1,
      since: prev?.since ?? now,
    })
  }
  // A due removal stays counted too: if applying it fails, the next run removes it at once.
  for (const c of plan.commands) count(c)
  for (const c of plan.held) if (c.hold.kind !== 'leftToMattermost') count(c)
  const pendingRemovals = [...next.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, p]) => p)
  const sizes = directorySizes(state.groups, now)
  const lastGood: LastGoodRun = freshness === undefined ? sizes : { ...sizes, freshness }
  return history.added === undefined
    ? { pendingRemovals, lastGood }
    : { pendingRemovals, lastGood, added: history.added }
}
