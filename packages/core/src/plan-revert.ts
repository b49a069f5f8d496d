import type { SyncableRef, SyncState } from './model.js'
import { fingerprintState, fingerprintTarget } from './fingerprint.js'
import { exceedsMaxRemovals, exceedsRemovalFraction } from './rules.js'
import { revertPlan, type AppliedRun, type NotRevertible } from './revert-plan.js'
import {
  commandSyncable,
  syncCommandKinds,
  type HeldCommand,
  type HoldReason,
  type PlannedCommand,
  type SyncCommandKind,
  type SyncPlan,
  type SyncWarning,
} from './sync-command.js'
import { resolvePolicy, type SyncPolicyInput } from './sync-policy.js'

/** The revert of a journalled run as a plan, and what it cannot undo (listed, never forced). */
export interface RevertSyncPlan {
  readonly plan: SyncPlan
  readonly notRevertible: readonly NotRevertible[]
}

const key = (syncableId: string, userId: string): string => `${syncableId}\u0000${userId}`

/**
 * The revert of a run (`revertPlan` against the live `state`) as a plan to review, write and apply
 * like any other: its removals past the policy's limits are held as a sync's are (all of a
 * syncable's when it would lose more than `maxRemovalFraction` of its active members, then all
 * when more than `maxRemovals` are left), with a `removalsHeld` warning per hold. A removal of a
 * channel row the state does not have (it undoes a default join of the revert's own team re-add)
 * loses nobody a membership: it does not count, and is held only with its syncable's. The plan
 * carries the state's fingerprints and the resolved policy. Pure.
 */
export function planRevert(
  applied: AppliedRun,
  state: SyncState,
  policyInput?: SyncPolicyInput,
): RevertSyncPlan {
  const policy = resolvePolicy(policyInput)
  const { limits } = policy
  const inverse = revertPlan(applied, state)
  const warnings: SyncWarning[] = []
  const active = activeMembers(state)
  const channelRows = new Set(state.channelMembers.map((m) => key(m.channelId, m.userId)))
  const isRemoval = (c: PlannedCommand): boolean =>
    c.kind === 'removeTeamMember' || c.kind === 'removeChannelMember'
  // A channel removal without a row undoes the re-add's own default join: nobody loses anything.
  const losesMember = (c: PlannedCommand): boolean =>
    c.kind === 'removeTeamMember' ||
    (c.kind === 'removeChannelMember' && channelRows.has(key(c.channelId, c.userId)))

  const perSyncable = new Map<string, { ref: SyncableRef; removals: number }>()
  for (const c of inverse.commands) {
    if (!losesMember(c)) continue
    const ref = commandSyncable(c)
    const k = `${ref.kind}:${ref.id}`
    const entry = perSyncable.get(k) ?? { ref, removals: 0 }
    entry.removals++
    perSyncable.set(k, entry)
  }
  const holds = new Map<string, HoldReason>()
  for (const [k, { ref, removals }] of perSyncable) {
    const members = active.get(k) ?? 0
    if (!exceedsRemovalFraction(removals, members, limits)) continue
    const hold: HoldReason = {
      kind: 'maxRemovalFraction',
      syncable: ref,
      removals,
      activeMembers: members,
      limit: limits.maxRemovalFraction,
    }
    holds.set(k, hold)
    warnings.push({
      kind: 'removalsHeld',
      hold,
      count: removals,
      message: `${ref.kind} ${ref.id} would lose ${removals} of ${members} members (more than ${Math.round(limits.maxRemovalFraction * 100)} %): removals held for review`,
    })
  }
  const holdOf = (c: PlannedCommand): HoldReason | undefined => {
    if (!isRemoval(c)) return undefined
    const ref = commandSyncable(c)
    return holds.get(`${ref.kind}:${ref.id}`)
  }
  const left = inverse.commands.filter((c) => losesMember(c) && holdOf(c) === undefined).length
  const overMax = exceedsMaxRemovals(left, limits)
  if (overMax) {
    const hold: HoldReason = { kind: 'maxRemovals', removals: left, limit: limits.maxRemovals }
    warnings.push({
      kind: 'removalsHeld',
      hold,
      count: left,
      message: `${left} removals exceed the limit of ${limits.maxRemovals}: all held for review`,
    })
  }
  const commands: PlannedCommand[] = []
  const held: HeldCommand[] = []
  for (const c of inverse.commands) {
    const hold =
      holdOf(c) ??
      (overMax && losesMember(c)
        ? ({ kind: 'maxRemovals', removals: left, limit: limits.maxRemovals } as const)
        : undefined)
    if (hold === undefined) commands.push(c)
    else held.push({ ...c, hold })
  }
  const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
    SyncCommandKind,
    number
  >
  for (const c of commands) counts[c.kind]++
  let activeMemberships = 0
  for (const n of active.values()) activeMemberships += n
  return {
    plan: {
      commands,
      held,
      warnings,
      stats: {
        users: state.users.length,
        groups: state.groups.length,
        syncables: active.size,
        constrainedSyncables: 0,
        liveLinks: 0,
        activeMemberships,
        commands: counts,
        held: held.length,
        leftToMattermost: 0,
        warnings: warnings.length,
      },
      fingerprint: fingerprintState(state, policy),
      targetFingerprint: fingerprintTarget(state),
      policy,
    },
    notRevertible: inverse.notRevertible,
  }
}

// Active members per syncable (`team:id` / `channel:id`), as the removal fraction counts them.
function activeMembers(state: SyncState): Map<string, number> {
  const counts = new Map<string, number>()
  const bump = (k: string): void => {
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  for (const m of state.teamMembers) if (m.deleted !== true) bump(`team:${m.teamId}`)
  for (const m of state.channelMembers) bump(`channel:${m.channelId}`)
  return counts
}
