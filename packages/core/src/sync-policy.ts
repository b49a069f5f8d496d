/** Knobs of a sync. Every field has a documented default (`defaultSyncPolicy`). */
export interface SyncPolicy {
  /**
   * `bypass` (default): system admins are never group-checked: added as members, never removed,
   * promoted or demoted. `asUsers`: treated like everyone else, as Mattermost's own code does.
   */
  readonly sysadmins: 'bypass' | 'asUsers'
  /**
   * Which syncables get their members' `SchemeAdmin` synced. `groupConstrained` (default): only
   * group-synced ones, as the spec says. `allLinked`: also any syncable with a live link, which is
   * what Mattermost's link/patch API does (mattermost/mattermost#27704).
   */
  readonly roleSync: 'groupConstrained' | 'allLinked'
  /**
   * `false` (default): a user with a soft-deleted team row, or any channel history row, is not
   * auto-added again (they left or were removed). `true`: re-add them.
   */
  readonly reAddRemovedMembers: boolean
  /**
   * Not in the pinned shape, hence optional. `apply` (default): removals from syncables Mattermost
   * group-constrains are planned like any other. `leaveToMattermost`: they are held with hold
   * `leftToMattermost` instead (the REST API refuses them; Mattermost's own group sync does them),
   * and count towards no limit. The REST target asks for it through `policyDefaults`.
   */
  readonly groupConstrainedRemovals?: 'apply' | 'leaveToMattermost'
  readonly limits: {
    /** Removals in one plan beyond this count are all held. Default 100; `Infinity` disables. */
    readonly maxRemovals: number
    /**
     * A syncable that would lose more than this fraction of its active members has all its
     * removals held. Default 0.5; `1` disables.
     */
    readonly maxRemovalFraction: number
    /**
     * Not in the pinned shape, hence optional: the fraction gate ignores syncables that
     * would lose fewer than this many members. Default 1 (every syncable is gated, as the issue
     * asks); 3, say, lets the one stale member of a two-person channel go without review.
     */
    readonly fractionMinRemovals?: number
  }
}

/** A policy with every default filled in: what `resolvePolicy` returns and a plan records. */
export interface ResolvedSyncPolicy extends SyncPolicy {
  readonly groupConstrainedRemovals: 'apply' | 'leaveToMattermost'
  readonly limits: Required<SyncPolicy['limits']>
}

/** A policy as callers pass it: any subset, `limits` too. */
export type SyncPolicyInput = Partial<Omit<SyncPolicy, 'limits'>> & {
  readonly limits?: Partial<SyncPolicy['limits']>
}

/** The defaults, chosen so that an unattended run can never remove more than a bounded few. */
export const defaultSyncPolicy: ResolvedSyncPolicy = Object.freeze({
  sysadmins: 'bypass',
  roleSync: 'groupConstrained',
  reAddRemovedMembers: false,
  groupConstrainedRemovals: 'apply',
  limits: Object.freeze({ maxRemovals: 100, maxRemovalFraction: 0.5, fractionMinRemovals: 1 }),
})

/** Fills in defaults and checks values; a nonsensical policy is a programming error and throws. */
export function resolvePolicy(input: SyncPolicyInput = {}): ResolvedSyncPolicy {
  const limits = { ...defaultSyncPolicy.limits, ...input.limits }
  if (!(limits.maxRemovals >= 0))
    throw new RangeError(`limits.maxRemovals must be >= 0, got ${limits.maxRemovals}`)
  if (!(limits.maxRemovalFraction >= 0 && limits.maxRemovalFraction <= 1)) {
    throw new RangeError(
      `limits.maxRemovalFraction must be in [0, 1], got ${limits.maxRemovalFraction}`,
    )
  }
  if (!(limits.fractionMinRemovals >= 0)) {
    throw new RangeError(
      `limits.fractionMinRemovals must be >= 0, got ${limits.fractionMinRemovals}`,
    )
  }
  const policy: ResolvedSyncPolicy = {
    sysadmins: input.sysadmins ?? defaultSyncPolicy.sysadmins,
    roleSync: input.roleSync ?? defaultSyncPolicy.roleSync,
    reAddRemovedMembers: input.reAddRemovedMembers ?? defaultSyncPolicy.reAddRemovedMembers,
    groupConstrainedRemovals:
      input.groupConstrainedRemovals ?? defaultSyncPolicy.groupConstrainedRemovals,
    limits,
  }
  // Policies come from config files too: check the values, not only the types.
  const sysadmins: unknown = policy.sysadmins
  const roleSync: unknown = policy.roleSync
  if (sysadmins !== 'bypass' && sysadmins !== 'asUsers')
    throw new RangeError(`sysadmins must be 'bypass' or 'asUsers', got ${String(sysadmins)}`)
  if (roleSync !== 'groupConstrained' && roleSync !== 'allLinked')
    throw new RangeError(
      `roleSync must be 'groupConstrained' or 'allLinked', got ${String(roleSync)}`,
    )
  const constrainedRemovals: unknown = policy.groupConstrainedRemovals
  if (constrainedRemovals !== 'apply' && constrainedRemovals !== 'leaveToMattermost')
    throw new RangeError(
      `groupConstrainedRemovals must be 'apply' or 'leaveToMattermost', got ${String(constrainedRemovals)}`,
    )
  const reAdd: unknown = policy.reAddRemovedMembers
  if (typeof reAdd !== 'boolean')
    throw new RangeError(`reAddRemovedMembers must be a boolean, got ${String(reAdd)}`)
  return policy
}
