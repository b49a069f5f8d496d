import type { SyncableRef, SyncState } from './model.js'
import { bypassDecision, guestDecision, roleFromGroups, type RoleDecision } from './decide-role.js'
import { roleSource } from './rules.js'
import { resolvePolicy, type SyncPolicyInput } from './sync-policy.js'
import { intAt } from './internal/int-at.js'
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

/**
 * Indexes `state` once (O(size)); each `decide` then costs O(links of the syncable). Gives the same
 * role as `decideRole` with the user's live groups, and only counts live links, groups and syncables.
 */
export function createRoleDecider(state: SyncState, policyInput?: SyncPolicyInput): RoleDecider {
  const policy = resolvePolicy(policyInput)
  const index = indexState(state)
  // A Map for the decider's own look-ups: it answers many calls over a warm, long-lived index,
  // where V8's native string hashing beats the plan index's table (built for one cold pass).
  const userSlot = new Map<string, number>()
  index.users.forEach((u, slot) => userSlot.set(u.id, slot))
  // Each user's linked groups as numbers in one flat array (CSR): a decision scans the user's few
  // groups for each link of the target, with no per-group sets to build or keep.
  const groupNo = new Map<LiveLink['members'], number>()
  const counts = new Int32Array(index.users.length + 1)
  for (const x of index.syncables)
    for (const l of x.links) {
      if (groupNo.has(l.members)) continue
      groupNo.set(l.members, groupNo.size)
      for (const u of l.members) counts[u + 1] = intAt(counts, u + 1) + 1
    }
  for (let u = 0; u < index.users.length; u++)
    counts[u + 1] = intAt(counts, u + 1) + intAt(counts, u)
  const start = counts
  const groupsOfUser = new Int32Array(intAt(start, index.users.length))
  const fill = start.slice(0, index.users.length)
  for (const [members, g] of groupNo)
    for (const u of members) {
      const at = intAt(fill, u)
      groupsOfUser[at] = g
      fill[u] = at + 1
    }
  // Group number of each link of each syncable slot, in link order.
  const linkGroups = index.syncables.map((x) =>
    Int32Array.from(x.links, (l) => groupNo.get(l.members) ?? -1),
  )
  const inGroup = (u: number, g: number): boolean => {
    const end = intAt(start, u + 1)
    for (let i = intAt(start, u); i < end; i++) if (groupsOfUser[i] === g) return true
    return false
  }
  // Most users are in no or one linked group: those decisions are the same object every time.
  const none = new Map<object, RoleDecision>()
  const single = new Map<LiveLink, RoleDecision>()
  const several = new Map<number, RoleDecision>()
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
        const u = userSlot.get(userId)
        const user = u === undefined ? undefined : index.users[u]
        if (user === undefined) return undefined
        const source = roleSource(user, policy)
        if (source === 'guest') return guestDecision
        if (source === 'bypass') return bypassDecision
        return outside
      }
    },
    decide(userId, syncable) {
      const u = userSlot.get(userId)
      const s = (
        syncable.kind === 'team' ? index.syncableSlot.team : index.syncableSlot.channel
      ).get(syncable.id)
      if (u === undefined || s === undefined) return undefined
      const target = index.syncables[s]
      const user = index.users[u]
      const groupsHere = linkGroups[s]
      if (target === undefined || !target.live || user === undefined || groupsHere === undefined)
        return undefined
      const source = roleSource(user, policy)
      if (source === 'guest') return guestDecision
      if (source === 'bypass') return bypassDecision
      let only = -1
      let count = 0
      let mask = 0
      for (let k = 0; k < groupsHere.length; k++) {
        if (!inGroup(u, intAt(groupsHere, k))) continue
        only = k
        count++
        if (k < 31) mask |= 1 << k
      }
      if (count === 0) {
        let d = none.get(target)
        if (d === undefined) none.set(target, (d = roleFromGroups([], [], syncable)))
        return d
      }
      const link = target.links[only]
      if (count === 1 && link !== undefined) {
        let d = single.get(link)
        if (d === undefined)
          single.set(
            link,
            (d = link.link.schemeAdmin
              ? roleFromGroups([link.group.id], [], syncable)
              : roleFromGroups([], [link.group.id], syncable)),
          )
        return d
      }
      // Several groups: the decision depends only on which links match, so it is kept per set.
      const key = groupsHere.length <= 31 ? s * 2 ** 31 + (mask >>> 0) : undefined
      const known = key === undefined ? undefined : several.get(key)
      if (known !== undefined) return known
      const admin: string[] = []
      const member: string[] = []
      target.links.forEach((l, k) => {
        if (inGroup(u, intAt(groupsHere, k))) (l.link.schemeAdmin ? admin : member).push(l.group.id)
      })
      const d = roleFromGroups(admin, member, syncable)
      if (key !== undefined) several.set(key, d)
      return d
    },
  }
  return decider
}
