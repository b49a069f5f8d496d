import type { ResultAsync } from 'neverthrow'
import type { SyncState } from './model.js'
import type { SyncCommand, SyncCommandKind, SyncPlan } from './sync-command.js'
import type { SyncPolicyInput } from './sync-policy.js'
import type { RememberedMemberships } from './remembered-memberships.js'
import type { GroupSourceWarning } from './groups-from-directory.js'
import type { ManagedSyncable } from './link-rules.js'
import type { SyncHistory } from './sync-history.js'
import type { FreshnessMarker } from './replica-freshness.js'
import type { Group, GroupLink } from './model.js'
import type { ApplyContext } from './admit-commands.js'
import type { ApplyPlanModel } from './apply-plan.js'

/** Every warning has a kind and a sentence a person can read. */
export interface Warning {
  readonly kind: string
  readonly message: string
}

/**
 * The least every adapter error and failed command says: what kind of failure, in a sentence.
 * Adapters report their own richer unions (`MattermostError`, `PostgresError`), which fit this.
 */
export interface CommandError {
  readonly kind: string
  readonly message: string
}

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

/**
 * What became of one command when an adapter applied it. `F` is the adapter's own error type for a
 * failed command (e.g. `MattermostError`); whatever it is, it has a `kind` and a `message`.
 */
export type CommandOutcome<F extends CommandError = CommandError> =
  | { readonly kind: 'done'; readonly command: SyncCommand }
  /** The effect already held (already a member, already gone): counted as success. */
  | { readonly kind: 'already'; readonly command: SyncCommand }
  | { readonly kind: 'failed'; readonly command: SyncCommand; readonly error: F }

/** What an adapter reports after applying a plan. */
export interface ApplyReport<F extends CommandError = CommandError> {
  readonly outcomes: readonly CommandOutcome<F>[]
  readonly counts: Readonly<Record<SyncCommandKind, number>>
}

/**
 * Applies a plan's commands to Mattermost. Implemented by the Postgres and REST adapters. `E` fails
 * the whole call (e.g. a stale plan); `F` is what one failed command reports.
 *
 * Before writing anything an applier checks every command with `admitCommands` against the state
 * it re-reads (with `context`'s groups, links and managed syncables when given, else its own) and
 * fails with an `inadmissibleCommands` error, nothing written, if any is refused.
 */
export interface PlanApplier<E, F extends CommandError = CommandError> {
  /**
   * What applying does here beyond Mattermost's store (core `applyPlan(state, plan, appliesAs)`
   * models it): the REST API's guests leave a team with their last channel of it.
   */
  readonly appliesAs?: ApplyPlanModel
  applyPlan(
    plan: Pick<SyncPlan, 'commands' | 'targetFingerprint'>,
    context?: ApplyContext,
  ): ResultAsync<ApplyReport<F>, E>
}

/** A Mattermost to sync: read its state and apply plans to it (the Postgres and REST adapters). */
export type SyncTarget<E, F extends CommandError = CommandError> = SyncStateSource<E> &
  PlanApplier<E, F>

/** The part of the Mattermost state a group source resolves against. */
export type TargetView = Pick<SyncState, 'users' | 'teams' | 'channels'>

/** What a group source gives a run: groups of Mattermost user ids, their links, managed syncables. */
export interface GroupLoad<W> {
  readonly groups: readonly Group[]
  readonly links: readonly GroupLink[]
  /** Teams and channels this project constrains itself (config `manage`, `rules[].manage`). */
  readonly managed: readonly ManagedSyncable[]
  readonly warnings: readonly W[]
  /**
   * The directory's freshness marker read with the groups (`contextCSN`, `highestCommittedUSN`);
   * absent when the source has none (an LDIF export). Compared with the last complete run's.
   */
  readonly freshness?: FreshnessMarker
}

/**
 * Where the groups come from (a directory): resolved against Mattermost's users and mapped to links
 * on its teams and channels by the caller's rules (`groupsFromDirectory` does that part).
 *
 * `target` may still be loading: `runSync` passes a promise so that the source's own I/O (the
 * directory read) runs while Mattermost loads. A source starts its I/O when called, finishes it
 * (releasing connections), and only then awaits `target`. The promise settles only when the target
 * loaded; when it fails, `runSync` reports that and no longer waits for the source.
 */
export interface GroupSource<E, W extends Warning = GroupSourceWarning> {
  loadGroups(target: TargetView | PromiseLike<TargetView>): ResultAsync<GroupLoad<W>, E>
}

/**
 * Where a target keeps what its API cannot show (who left a team or channel): every membership
 * earlier runs saw or made. `remember` adds to what is kept; it never forgets.
 */
export interface MembershipStore<E> {
  recall(): ResultAsync<RememberedMemberships, E>
  remember(memberships: RememberedMemberships): ResultAsync<void, E>
}

/**
 * Where the safety rules' memory lives between runs (the grace period's counters, the last
 * complete run's directory sizes). `runSync` loads it before planning and saves the next one only
 * after an applied run that counts.
 */
export interface SyncHistoryStore<E> {
  loadHistory(): ResultAsync<SyncHistory, E>
  saveHistory(history: SyncHistory): ResultAsync<void, E>
}
