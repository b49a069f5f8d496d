import type { SyncableRef, SyncState } from './model.js'
import { roleFromGroups, type RoleDecision } from './decide-role.js'
import { resolvePolicy, type SyncPolicyInput } from './sync-policy.js'
import { indexState, slotOf, type LiveLink } from './internal/state-index.js'

/** Decides roles from an index built once: the add-time hook of a service that answers many adds. */
export interface RoleDecider {
  /** The decision, or `undefined` when the user or the (live) syncable is not in the state. */
  decide(userId: string, syncable: SyncableRef): RoleDecision | undefined
  /**
   * One syncable's decisions, precomputed for the members of its linked groups: the fast path of
   * an add hook that adds users to one team or channel (one map look-up per decision).
   * `undefined` when the syncable is not live.
   */
  forSyncable(syncable: SyncableRef): ((userId: string) => RoleDecision | undefined) | undefined
}

const guest: RoleDecision = Object.freeze({
  role: 'guest',
  reason: 'guest account: always a guest, no group lookup',
  viaGroupIds: Object.freeze([]),
})
const bypass: RoleDecision = Object.freeze({
  role: 'member',
  reason: 'system admin: bypasses group checks (sysadmins: bypass), added as a plain member',
  viaGroupIds: Object.freeze([]),
})

/**
 * Indexes `state` once (O(size)); each `decide` then costs O(links of the syncable). Gives the same
 * role as `decideRole` with the user's live groups, and only counts live links, groups and syncables.
 */
export function createRoleDecider(state: SyncState, policyInput?: SyncPolicyInput): RoleDecider {
  const policy = resolvePolicy(policyInput)
  const index = indexState(state)
  // Member sets are built on first use: most groups are never asked about.
  const sets = new Map<LiveLink['members'], Set<number>>()
  const has = (l: LiveLink, u: number): boolean => {
    let set = sets.get(l.members)
    if (set === undefined) sets.set(l.members, (set = new Set(l.members)))
    return set.has(u)
  }
  // Most users are in no or one linked group: those decisions are the same object every time.
  const none = new Map<object, RoleDecision>()
  const single = new Map<LiveLink, RoleDecision>()
  const decider: RoleDecider = {
    forSyncable(syncable) {
      const target = slotOf(index, syncable)
      if (target === undefined || !target.live) return undefined
      const byUser = new Map<string, RoleDecision>()
      for (const l of target.links) {
        for (const u of l.members) {
          const user = index.users[u]
          if (user === undefined || byUser.has(user.id)) continue
          const decision = decider.decide(user.id, syncable)
          if (decision !== undefined) byUser.set(user.id, decision)
        }
      }
      const outside = roleFromGroups([], [], syncable)
      return (userId) => {
        const known = byUser.get(userId)
        if (known !== undefined) return known
        const u = index.userSlot.get(userId)
        const user = u === undefined ? undefined : index.users[u]
        if (user === undefined) return undefined
        if (user.systemRole === 'guest') return guest
        if (user.systemRole === 'admin' && policy.sysadmins === 'bypass') return bypass
        return outside
      }
    },
    decide(userId, syncable) {
      const u = index.userSlot.get(userId)
      const target = slotOf(index, syncable)
      if (u === undefined || target === undefined || !target.live) return undefined
      const user = index.users[u]
      if (user === undefined) return undefined
      if (user.systemRole === 'guest') return guest
      if (user.systemRole === 'admin' && policy.sysadmins === 'bypass') return bypass
      let only: LiveLink | undefined
      let count = 0
      for (const l of target.links) {
        if (!has(l, u)) continue
        only = l
        count++
      }
      if (count === 0) {
        let d = none.get(target)
        if (d === undefined) none.set(target, (d = roleFromGroups([], [], syncable)))
        return d
      }
      if (count === 1 && only !== undefined) {
        let d = single.get(only)
        if (d === undefined)
          single.set(
            only,
            (d = only.link.schemeAdmin
              ? roleFromGroups([only.group.id], [], syncable)
              : roleFromGroups([], [only.group.id], syncable)),
          )
        return d
      }
      const admin: string[] = []
      const member: string[] = []
      for (const l of target.links)
        if (has(l, u)) (l.link.schemeAdmin ? admin : member).push(l.group.id)
      return roleFromGroups(admin, member, syncable)
    },
  }
  return decider
}
