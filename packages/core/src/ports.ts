import type { ResultAsync } from 'neverthrow'
import type { SyncState } from './model.js'
import type { SyncCommand, SyncCommandKind, SyncPlan } from './sync-command.js'
import type { SyncPolicyInput } from './sync-policy.js'
import type { RememberedMemberships } from './remembered-memberships.js'

/**
 * Where the Mattermost side of a state comes from (users, teams, channels, memberships and, when
 * Mattermost's own groups are used, groups and links). Implemented by the Postgres and REST adapters.
 */
export interface SyncStateSource<E> {
  loadSyncState(): ResultAsync<SyncState, E>
  /**
   * Policy values this target needs to be planned for (the REST target: removals from
   * group-constrained syncables are left to Mattermost). A caller's explicit policy wins.
   */
  readonly policyDefaults?: SyncPolicyInput
}

/** What became of one command when an adapter applied it. */
export type CommandOutcome =
  | { readonly kind: 'done'; readonly command: SyncCommand }
  /** The effect already held (already a member, already gone): counted as success. */
  | { readonly kind: 'already'; readonly command: SyncCommand }
  | { readonly kind: 'failed'; readonly command: SyncCommand; readonly error: unknown }

/** What an adapter reports after applying a plan. */
export interface ApplyReport {
  readonly outcomes: readonly CommandOutcome[]
  readonly counts: Readonly<Record<SyncCommandKind, number>>
}

/** Applies a plan's commands to Mattermost. Implemented by the Postgres and REST adapters. */
export interface PlanApplier<E> {
  applyPlan(plan: Pick<SyncPlan, 'commands' | 'targetFingerprint'>): ResultAsync<ApplyReport, E>
}

/**
 * Where the groups come from (a directory): resolved against Mattermost's users and mapped to links
 * on its teams and channels by the caller's rules.
 */
export interface GroupSource<E> {
  loadGroups(
    target: Pick<SyncState, 'users' | 'teams' | 'channels'>,
  ): ResultAsync<Pick<SyncState, 'groups' | 'links'> & { readonly warnings: readonly unknown[] }, E>
}

/**
 * Where a target keeps what its API cannot show (who left a team or channel): every membership
 * earlier runs saw or made. `remember` adds to what is kept; it never forgets.
 */
export interface MembershipStore<E> {
  recall(): ResultAsync<RememberedMemberships, E>
  remember(memberships: RememberedMemberships): ResultAsync<void, E>
}
