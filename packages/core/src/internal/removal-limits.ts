import type { HoldReason, SyncCommand, SyncWarning } from '../sync-command.js'
import { exceedsMaxRemovals, exceedsRemovalFraction } from '../rules.js'
import type { ResolvedSyncPolicy } from '../sync-policy.js'
import { itemAt } from './int-at.js'
import type { StateIndex } from './state-index.js'

export type TeamRemoval = Extract<SyncCommand, { kind: 'removeTeamMember' }> & {
  readonly reason: string
}
export type ChannelRemoval = Extract<SyncCommand, { kind: 'removeChannelMember' }> & {
  readonly reason: string
}
export type Held<R extends TeamRemoval | ChannelRemoval> = R & { readonly hold: HoldReason }

/** One syncable's removals, positions `from..to-1` of the planner's list of its kind. */
export interface RemovalRun {
  readonly kind: 'team' | 'channel'
  readonly slot: number
  readonly from: number
  readonly to: number
  /** Removals that undo default joins of the plan's own team adds: no member is lost by them. */
  readonly joins: boolean
}

/** The removals a planner made, in runs (a default channel can have a second run). */
export interface PlannedRemovals {
  readonly teamRemovals: readonly TeamRemoval[]
  readonly channelRemovals: readonly ChannelRemoval[]
  readonly removalRuns: readonly RemovalRun[]
}

export interface Limited {
  readonly keptTeam: TeamRemoval[]
  readonly keptChannel: ChannelRemoval[]
  readonly heldTeam: Held<TeamRemoval>[]
  readonly heldChannel: Held<ChannelRemoval>[]
}

/**
 * The policy's limits on removals (`exceedsRemovalFraction` per syncable, then
 * `exceedsMaxRemovals` over the rest): which are kept, which held, with a warning per hold.
 */
export function applyLimits(
  out: PlannedRemovals,
  index: StateIndex,
  policy: ResolvedSyncPolicy,
  warnings: SyncWarning[],
): Limited {
  const { limits } = policy
  const limited: Limited = { keptTeam: [], keptChannel: [], heldTeam: [], heldChannel: [] }
  // Loops, not push(...list): a spread of one big syncable's removals overflows the call stack.
  // Object literals, not spreads: a spread copies through a slow generic path, per removal.
  const hold = (run: RemovalRun, reason: HoldReason): void => {
    if (run.kind === 'team')
      for (let i = run.from; i < run.to; i++) {
        const r = itemAt(out.teamRemovals, i)
        limited.heldTeam.push({
          kind: r.kind,
          teamId: r.teamId,
          userId: r.userId,
          reason: r.reason,
          hold: reason,
        })
      }
    else
      for (let i = run.from; i < run.to; i++) {
        const r = itemAt(out.channelRemovals, i)
        limited.heldChannel.push({
          kind: r.kind,
          channelId: r.channelId,
          userId: r.userId,
          reason: r.reason,
          hold: reason,
        })
      }
  }
  // The fraction is the share of a syncable's active members it would lose. Undoing a default join
  // of the plan's own team add loses no member, so those removals do not count; but they are
  // held with the rest of the syncable's when its fraction is exceeded (its groups look wrong).
  const perSlot = new Map<number, number>()
  for (const run of out.removalRuns)
    if (!run.joins) perSlot.set(run.slot, (perSlot.get(run.slot) ?? 0) + run.to - run.from)
  const fractionHolds = new Map<number, HoldReason>()
  for (const [slot, n] of perSlot) {
    const target = itemAt(index.syncables, slot)
    const active = target.activeRows
    if (!exceedsRemovalFraction(n, active, limits)) continue
    const reason: Extract<HoldReason, { kind: 'maxRemovalFraction' }> = {
      kind: 'maxRemovalFraction',
      syncable: target.ref,
      removals: n,
      activeMembers: active,
      limit: limits.maxRemovalFraction,
    }
    fractionHolds.set(slot, reason)
    warnings.push({
      kind: 'removalsHeld',
      hold: reason,
      count: n,
      message: `${target.ref.kind} ${target.name} would lose ${n} of ${active} members (more than ${Math.round(limits.maxRemovalFraction * 100)} %): removals held for review`,
    })
  }
  const keptRuns: RemovalRun[] = []
  let keptCount = 0
  for (const run of out.removalRuns) {
    const reason = fractionHolds.get(run.slot)
    if (reason !== undefined) {
      hold(run, reason)
      continue
    }
    keptRuns.push(run)
    keptCount += run.to - run.from
  }
  if (exceedsMaxRemovals(keptCount, limits)) {
    const reason: Extract<HoldReason, { kind: 'maxRemovals' }> = {
      kind: 'maxRemovals',
      removals: keptCount,
      limit: limits.maxRemovals,
    }
    for (const run of keptRuns) hold(run, reason)
    warnings.push({
      kind: 'removalsHeld',
      hold: reason,
      count: keptCount,
      message: `${keptCount} removals exceed the limit of ${limits.maxRemovals}: all held for review`,
    })
    return limited
  }
  for (const run of keptRuns) {
    if (run.kind === 'team')
      for (let i = run.from; i < run.to; i++) limited.keptTeam.push(itemAt(out.teamRemovals, i))
    else
      for (let i = run.from; i < run.to; i++)
        limited.keptChannel.push(itemAt(out.channelRemovals, i))
  }
  return limited
}
