import type { Role, User } from '../model.js'
import {
  addTimeRole,
  isAutoAddable,
  isBypassed,
  isExemptFromRemoval,
  isRoleSynced,
  joinsConstrainedTeamOutsideGroups,
  joinsDefaultChannels,
  roleSource,
} from '../rules.js'
import type { ResolvedSyncPolicy } from '../sync-policy.js'

// Bits of a user's traits. The two roles take two bits each (an index into `roles`).
const AdminGroupRole = 0
const OtherRole = 2
const Guest = 1 << 4
const Bypassed = 1 << 5
const Exempt = 1 << 6
const JoinsOutsideGroups = 1 << 7
const RoleSyncedOnMemberRow = 1 << 8
const RoleSyncedOnGuestRow = 1 << 9
const AutoAddable = 1 << 10
const JoinsDefaultChannels = 1 << 11

const roles: readonly Role[] = ['member', 'admin', 'guest']
const roleCode = (role: Role): number => roles.indexOf(role)

/**
 * The user rules of rules.ts for one policy, answered per user slot from bits: each rule is
 * evaluated once per user here (tabulated over the one other input it has, where it has one), so
 * the plan loops, which ask them per membership row, never touch a user object, and no rule is
 * written twice.
 */
export class UserTraits {
  readonly #bits: Int32Array

  constructor(users: readonly User[], policy: ResolvedSyncPolicy) {
    this.#bits = new Int32Array(users.length)
    users.forEach((user, u) => {
      this.#bits[u] =
        (roleCode(addTimeRole(user, true, policy)) << AdminGroupRole) |
        (roleCode(addTimeRole(user, false, policy)) << OtherRole) |
        (roleSource(user, policy) === 'guest' ? Guest : 0) |
        (isBypassed(user, policy) ? Bypassed : 0) |
        (isExemptFromRemoval(user, policy) ? Exempt : 0) |
        (joinsConstrainedTeamOutsideGroups(user, policy) ? JoinsOutsideGroups : 0) |
        (isRoleSynced(user, { schemeGuest: false }, policy) ? RoleSyncedOnMemberRow : 0) |
        (isRoleSynced(user, { schemeGuest: true }, policy) ? RoleSyncedOnGuestRow : 0) |
        (isAutoAddable(user) ? AutoAddable : 0) |
        (joinsDefaultChannels(user) ? JoinsDefaultChannels : 0)
    })
  }

  /** `addTimeRole`. */
  addTimeRole(u: number, inSchemeAdminGroup: boolean): Role {
    const shift = inSchemeAdminGroup ? AdminGroupRole : OtherRole
    // Per row of a role-synced syncable: a direct read, not the shared `itemAt` (see int-at.ts).
    return roles[((this.#bits[u] ?? 0) >> shift) & 3] ?? 'member'
  }

  /** A guest account (`roleSource` is `guest`). */
  isGuest(u: number): boolean {
    return ((this.#bits[u] ?? 0) & Guest) !== 0
  }

  /** `isBypassed`. */
  isBypassed(u: number): boolean {
    return ((this.#bits[u] ?? 0) & Bypassed) !== 0
  }

  /** `isExemptFromRemoval`. */
  isExemptFromRemoval(u: number): boolean {
    return ((this.#bits[u] ?? 0) & Exempt) !== 0
  }

  /** `joinsConstrainedTeamOutsideGroups`. */
  joinsConstrainedTeamOutsideGroups(u: number): boolean {
    return ((this.#bits[u] ?? 0) & JoinsOutsideGroups) !== 0
  }

  /** `isRoleSynced` on a row with this `schemeGuest`. */
  isRoleSynced(u: number, row: { readonly schemeGuest: boolean }): boolean {
    return (
      ((this.#bits[u] ?? 0) & (row.schemeGuest ? RoleSyncedOnGuestRow : RoleSyncedOnMemberRow)) !==
      0
    )
  }

  /** `isAutoAddable`. */
  isAutoAddable(u: number): boolean {
    return ((this.#bits[u] ?? 0) & AutoAddable) !== 0
  }

  /** `joinsDefaultChannels`. */
  joinsDefaultChannels(u: number): boolean {
    return ((this.#bits[u] ?? 0) & JoinsDefaultChannels) !== 0
  }
}
