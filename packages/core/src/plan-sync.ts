import type { SyncState } from './model.js'
import { resolvePolicy, type SyncPolicyInput } from './sync-policy.js'
import {
  syncCommandKinds,
  type HeldCommand,
  type PlannedCommand,
  type SyncCommandKind,
  type SyncPlan,
} from './sync-command.js'
import { indexState } from './internal/state-index.js'
import { fingerprintsOf } from './fingerprint.js'
import { itemAt } from './internal/int-at.js'
import { Planner } from './internal/planner.js'
import { applyLimits } from './internal/removal-limits.js'
import { sortWarnings } from './internal/warnings.js'

/**
 * Computes the commands that bring memberships and admin roles in line with the groups: role
 * changes, team adds, channel adds, channel removals, team removals, each sorted by (syncable id,
 * user id). Removals past the policy's limits go to `held`. Pure, total and deterministic; linear
 * in the size of the state (each team is planned, then its channels, over typed-array stamps).
 * Every decision is a rule of rules.ts.
 */
export function planSync(state: SyncState, policyInput?: SyncPolicyInput): SyncPlan {
  const policy = resolvePolicy(policyInput)
  const index = indexState(state)
  const out = new Planner(index, policy)
  for (let t = 0; t < index.teamCount; t++) {
    if (!itemAt(index.syncables, t).live) continue
    out.planTeam(t)
    for (const c of itemAt(index.channelsOfTeam, t)) out.planChannel(c)
    out.planDefaultJoins(t)
  }

  const limited = applyLimits(out, index, policy, out.warnings)
  const commands = concat<PlannedCommand>([
    out.teamRoles.sort(byTeamThenUser),
    out.channelRoles.sort(byChannelThenUser),
    out.teamAdds.sort(byTeamThenUser),
    out.channelAdds.sort(byChannelThenUser),
    limited.keptChannel.sort(byChannelThenUser),
    limited.keptTeam.sort(byTeamThenUser),
  ])
  const sortedHeld = concat<HeldCommand>([
    concat([limited.heldChannel, out.leftChannel]).sort(byChannelThenUser),
    concat([limited.heldTeam, out.leftTeam]).sort(byTeamThenUser),
  ])
  const warnings = sortWarnings(out.warnings)

  const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
    SyncCommandKind,
    number
  >
  for (const c of commands) counts[c.kind]++
  let live = 0
  let constrained = 0
  let activeMemberships = 0
  for (const s of index.syncables) {
    if (s.live) live++
    if (s.live && s.constrained) constrained++
    activeMemberships += s.activeRows
  }
  const { state: fingerprint, target: targetFingerprint } = fingerprintsOf(index, policy)

  return {
    commands,
    held: sortedHeld,
    warnings,
    stats: {
      users: index.users.length,
      groups: index.groups.size,
      syncables: live,
      constrainedSyncables: constrained,
      liveLinks: index.liveLinkCount,
      activeMemberships,
      commands: counts,
      held: sortedHeld.length,
      leftToMattermost: out.leftTeam.length + out.leftChannel.length,
      warnings: warnings.length,
    },
    fingerprint,
    targetFingerprint,
    policy,
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// One comparator per syncable kind: each list holds one kind, so no per-pair test of the kind.
function byTeamThenUser(a: { teamId: string; userId: string }, b: typeof a): number {
  return compare(a.teamId, b.teamId) || compare(a.userId, b.userId)
}

function byChannelThenUser(a: { channelId: string; userId: string }, b: typeof a): number {
  return compare(a.channelId, b.channelId) || compare(a.userId, b.userId)
}

/** `Array.prototype.concat`, not a spread into a call: 100k-element lists overflow the stack. */
function concat<T>(lists: readonly (readonly T[])[]): T[] {
  return ([] as T[]).concat(...lists)
}
