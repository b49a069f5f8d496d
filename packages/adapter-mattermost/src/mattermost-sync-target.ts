import type { PlanApplier, SyncPlan, SyncState, SyncStateSource } from '@grouproles/core'
import type { ResultAsync } from 'neverthrow'
import { applyPlan, type ApplyProgress, type MattermostApplyReport } from './apply-plan.js'
import { loadSyncState, type LoadSyncStateOptions } from './load-sync-state.js'
import type { MattermostClient } from './mattermost-client.js'
import type { MattermostError } from './mattermost-error.js'

/** Configuration of `MattermostSyncTarget`: what to load, and who hears about progress. */
export interface MattermostSyncTargetConfig extends LoadSyncStateOptions {
  readonly onProgress?: (progress: ApplyProgress) => void
  /** Single calls per progress event (see `ApplyPlanOptions.progressEvery`). Default 100. */
  readonly progressEvery?: number
  /** Refuse stale plans (re-reads the target first). Default true. */
  readonly verifyFingerprint?: boolean
}

/**
 * The core's `SyncStateSource` and `PlanApplier` ports over the REST API. The stale check re-reads
 * with the same options the state was loaded with, so fingerprints compare like with like.
 */
export class MattermostSyncTarget
  implements SyncStateSource<MattermostError>, PlanApplier<MattermostError>
{
  readonly #client: MattermostClient
  readonly #config: MattermostSyncTargetConfig

  constructor(client: MattermostClient, config: MattermostSyncTargetConfig = {}) {
    this.#client = client
    this.#config = config
  }

  /** Reads the Mattermost side of the state (see `loadSyncState`). */
  loadSyncState(): ResultAsync<SyncState, MattermostError> {
    return loadSyncState(this.#client, this.#config)
  }

  /** Applies a plan (see `applyPlan`), refusing it if the target changed since it was made. */
  applyPlan(
    plan: Pick<SyncPlan, 'commands' | 'targetFingerprint'>,
  ): ResultAsync<MattermostApplyReport, MattermostError> {
    return applyPlan(this.#client, plan, {
      ...(this.#config.onProgress !== undefined ? { onProgress: this.#config.onProgress } : {}),
      ...(this.#config.progressEvery !== undefined
        ? { progressEvery: this.#config.progressEvery }
        : {}),
      verifyFingerprint: this.#config.verifyFingerprint ?? true,
      loadTarget: () => this.loadSyncState(),
    })
  }
}
