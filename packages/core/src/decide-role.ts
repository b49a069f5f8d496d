import type { GroupLink, Role, SyncableRef, User } from './model.js'
import { defaultSyncPolicy, resolvePolicy, type SyncPolicyInput } from './sync-policy.js'
import { roleSource } from './rules.js'

/** What `decideRole` needs: the user, the target, the links and the user's (live) group ids. */
export interface RoleInput {
  readonly user: User
  readonly syncable: SyncableRef
  /** Links of any syncable; only live links to `syncable` count. */
  readonly links: readonly GroupLink[]
  /** Ids of the groups the user is in; pass only groups that are not deleted. */
  readonly userGroupIds: readonly string[]
}

/** The role a user should get on a syncable, and why. */
export interface RoleDecision {
  readonly role: Role
  readonly reason: string
  /** For `admin`: the groups granting it. For `member`: the user's linked groups (may be empty). */
  readonly viaGroupIds: readonly string[]
}

/** The decision for a guest account (`roleSource` is `guest`); shared with the indexed decider. */
export const guestDecision: RoleDecision = Object.freeze({
  role: 'guest',
  reason: 'guest account: always a guest, no group lookup',
  viaGroupIds: Object.freeze([]),
})

/** The decision for a bypassed system admin (`roleSource` is `bypass`). */
export const bypassDecision: RoleDecision = Object.freeze({
  role: 'member',
  reason: 'system admin: bypasses group checks (sysadmins: bypass), added as a plain member',
  viaGroupIds: Object.freeze([]),
})

/**
 * The add-time role check (`addTimeRole` in rules.ts): guest → guest; system admin → member
 * without a group lookup (unless `sysadmins: 'asUsers'`); otherwise admin iff the user is in a
 * group with a live `schemeAdmin` link to the syncable. AutoAdd and group constraint do not
 * matter. Deleted links never grant admin, unlike Mattermost's query (a deliberate divergence,
 * see `isLiveLink`). Pure and total.
 */
export function decideRole(input: RoleInput, policy?: SyncPolicyInput): RoleDecision {
  const sysadmins =
    policy === undefined ? defaultSyncPolicy.sysadmins : resolvePolicy(policy).sysadmins
  const { user, syncable } = input
  const source = roleSource(user, { sysadmins })
  if (source === 'guest') return guestDecision
  if (source === 'bypass') return bypassDecision
  const inGroups = new Set(input.userGroupIds)
  const admin: string[] = []
  const member: string[] = []
  for (const link of input.links) {
    if (
      link.deleted === true ||
      link.syncable.kind !== syncable.kind ||
      link.syncable.id !== syncable.id
    )
      continue
    if (!inGroups.has(link.groupId)) continue
    ;(link.schemeAdmin ? admin : member).push(link.groupId)
  }
  return roleFromGroups(admin, member, syncable)
}

/**
 * The `groups` case of `addTimeRole`: admin iff any scheme-admin group. Shared by `decideRole`
 * and the indexed decider, so both say exactly the same thing.
 */
export function roleFromGroups(
  adminGroupIds: string[],
  memberGroupIds: string[],
  syncable: SyncableRef,
): RoleDecision {
  if (adminGroupIds.length > 0) {
    const via = unique(adminGroupIds)
    return {
      role: 'admin',
      reason: `in ${via.length === 1 ? 'group' : 'groups'} ${via.join(', ')} linked to ${syncable.kind} ${syncable.id} with scheme admin`,
      viaGroupIds: via,
    }
  }
  const via = unique(memberGroupIds)
  return {
    role: 'member',
    reason:
      via.length > 0
        ? `in ${via.join(', ')} linked to ${syncable.kind} ${syncable.id} without scheme admin`
        : `in no group linked to ${syncable.kind} ${syncable.id} with scheme admin`,
    viaGroupIds: via,
  }
}

function unique(ids: string[]): string[] {
  if (ids.length < 2) return ids
  return [...new Set(ids)].sort()
}
