import {
  emptyState,
  membershipsToRemember,
  withRememberedMemberships,
  type ApplyContext,
  type ApplyPlanModel,
  type MembershipStore,
  type SyncPlan,
  type SyncPolicyInput,
  type SyncState,
  type SyncTarget,
} from '@grouproles/core'
import { ResultAsync } from 'neverthrow'
import {
  applyPlan,
  type ApplyPlanOptions,
  type ApplyProgress,
  type MattermostApplyReport,
} from './apply-plan.js'
import { loadSyncState, type LoadSyncStateOptions } from './load-sync-state.js'
import type { MattermostClient } from './mattermost-client.js'
import type { MattermostError } from './mattermost-error.js'

/** Configuration of `MattermostSyncTarget`: what to load, where to remember, who hears progress. */
export interface MattermostSyncTargetConfig<E = never> extends LoadSyncStateOptions {
  readonly onProgress?: (progress: ApplyProgress) => void
  /** Single calls per progress event (see `ApplyPlanOptions.progressEvery`). Default 100. */
  readonly progressEvery?: number
  /**
   * With the `'fingerprint'` check: refuse a plan whose fingerprint is not the re-read target's.
   * Default true; false without `check` means the `'touched'` check.
   */
  readonly verifyFingerprint?: boolean
  /**
   * How an apply checks the plan still fits (see `ApplyPlanOptions.check`): `'fingerprint'`
   * re-reads the whole target (with the store's memory) and compares fingerprints; `'touched'`
   * reads only the rows each batch's commands touch, with this configuration's scope. Default:
   * `'fingerprint'` for a plan with a `targetFingerprint` (unless `verifyFingerprint: false`),
   * else `'touched'`.
   */
  readonly check?: ApplyPlanOptions['check']
  /** The touched check refuses commands whose row changed (default true; see `ApplyPlanOptions.strict`). */
  readonly strict?: boolean
  /**
   * Where the memberships the API cannot show are kept between runs (who left a team or a
   * channel): every load remembers what it saw and every apply what it added, and every load adds
   * what is remembered (`withRememberedMemberships`), so `reAddRemovedMembers: false` holds.
   */
  readonly store?: MembershipStore<E>
}

/**
 * The core's `SyncTarget` over the REST API. Removals from group-constrained teams and channels
 * are left to Mattermost (the API refuses them): `policyDefaults` asks the planner for that. The
 * stale check re-reads with the same options the state was loaded with, so fingerprints compare
 * like with like. `E` is the store's error type.
 */
export class MattermostSyncTarget<E = never> implements SyncTarget<
  MattermostError | E,
  MattermostError
> {
  /** What this target needs from the planner: constrained removals go to Mattermost's own sync. */
  readonly policyDefaults: SyncPolicyInput = Object.freeze({
    groupConstrainedRemovals: 'leaveToMattermost',
  })
  /** The server's app layer runs on every call: a guest leaves a team with its last channel. */
  readonly appliesAs: ApplyPlanModel = Object.freeze({ guestsLeaveTeamWithLastChannel: true })
  readonly #client: MattermostClient
  readonly #config: MattermostSyncTargetConfig<E>
  // The last state read through the API (before remembered rows were added).
  #lastRead: SyncState | undefined

  constructor(client: MattermostClient, config: MattermostSyncTargetConfig<E> = {}) {
    this.#client = client
    this.#config = config
  }

  /**
   * Reads the Mattermost side of the state (see `loadSyncState`). With a store: recalls what earlier
   * runs remembered, remembers what this read saw, and adds the departures the memory implies.
   */
  loadSyncState(): ResultAsync<SyncState, MattermostError | E> {
    const read = loadSyncState(this.#client, this.#config).map((state) => {
      this.#lastRead = state
      return state
    })
    const store = this.#config.store
    if (store === undefined) return read
    return ResultAsync.combine([read, store.recall()] as const).andThen(([state, memory]) =>
      store
        .remember(membershipsToRemember(state))
        .map(() => withRememberedMemberships(state, memory)),
    )
  }

  /**
   * Applies a plan (see `applyPlan`), refusing it if the target changed since it was made (the
   * whole target, or with the `'touched'` check only the rows its commands touch) or if a command
   * could not have been planned from what was re-read with `context`'s group load (when absent,
   * with the target's own groups and links: none on Team Edition); with a store, then remembers
   * the adds that hold.
   */
  applyPlan(
    // A bare command list (no fingerprint) takes the touched check.
    plan: Pick<SyncPlan, 'commands'> & { readonly targetFingerprint?: string },
    context?: ApplyContext,
  ): ResultAsync<MattermostApplyReport, MattermostError | E> {
    const config = this.#config
    const verify = config.verifyFingerprint ?? true
    const check =
      config.check ?? (plan.targetFingerprint !== undefined && verify ? 'fingerprint' : 'touched')
    const applied = applyPlan<E>(this.#client, plan, {
      ...(context !== undefined ? { context } : {}),
      ...(config.onProgress !== undefined ? { onProgress: config.onProgress } : {}),
      ...(config.progressEvery !== undefined ? { progressEvery: config.progressEvery } : {}),
      ...(config.strict !== undefined ? { strict: config.strict } : {}),
      check,
      ...(check === 'fingerprint'
        ? { verifyFingerprint: verify, loadTarget: () => this.loadSyncState() }
        : // The rows each batch touches, read with this target's scope; the plan came from a
          // full load of the same run (`runSync`), so no second one.
          { loadOptions: config }),
    })
    const store = this.#config.store
    if (store === undefined) return applied
    return applied.andThen((report) =>
      store.remember(membershipsToRemember(this.#lastRead ?? emptyState, report)).map(() => report),
    )
  }
}
