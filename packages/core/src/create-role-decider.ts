import type { SyncableRef, SyncState } from './model.js'
import { roleFromGroups, type RoleDecision } from './decide-role.js'
import { resolvePolicy, type SyncPolicyInput } from './sync-policy.js'
import { indexState, liveLinksOf } from './internal/state-index.js'

/** Decides roles from an index built once: the add-time hook of a service that answers many adds. */
export interface RoleDecider {
  /** The decision, or `undefined` when the user or the (live) syncable is not in the state. */
  decide(userId: string, syncable: SyncableRef): RoleDecision | undefined
}

/**
 * Indexes `state` once (O(size)); each `decide` then costs O(links of the syncable). Gives the same
 * role as `decideRole` with the user's live groups, and only counts live links, groups and syncables.
 */
export function createRoleDecider(state: SyncState, policyInput?: SyncPolicyInput): RoleDecider {
  const policy = resolvePolicy(policyInput)
  const index = indexState(state)
  const guest: RoleDecision = { role: 'guest', reason: 'guest account: always a guest, no group lookup', viaGroupIds: [] }
  const bypass: RoleDecision = { role: 'member', reason: 'system admin: bypasses group checks (sysadmins: bypass), added as a plain member', viaGroupIds: [] }
  return {
    decide(userId, syncable) {
      const user = index.users.get(userId)
      const links = liveLinksOf(index, syncable)
      if (user === undefined || links === undefined) return undefined
      if (user.systemRole === 'guest') return guest
      if (user.systemRole === 'admin' && policy.sysadmins === 'bypass') return bypass
      const admin: string[] = []
      const member: string[] = []
      for (const l of links) if (l.members.has(userId)) (l.link.schemeAdmin ? admin : member).push(l.group.id)
      return roleFromGroups(admin, member, syncable)
    },
  }
}
