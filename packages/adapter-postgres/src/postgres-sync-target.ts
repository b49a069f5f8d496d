import type { ResultAsync } from 'neverthrow'
import type {
  ApplyContext,
  PlanApplier,
  SyncPlan,
  SyncState,
  SyncStateSource,
} from '@grouproles/core'
import type { PostgresClient } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { applyPlan, type ApplyPlanOptions, type ApplyPlanReport } from './apply-plan.js'
import { loadSyncState, type LoadSyncStateOptions } from './load-sync-state.js'

/**
 * Configuration of `PostgresSyncTarget`: the load options, and the apply options that hold for every
 * plan (`teamIds` and `defaultChannelNames` serve both).
 */
export type PostgresSyncTargetConfig = LoadSyncStateOptions &
  Pick<ApplyPlanOptions, 'strict' | 'check'>

/**
 * Core's `SyncStateSource` and `PlanApplier` on Mattermost's database: `loadSyncState` and
 * `applyPlan` with one configuration, so the stale check always re-reads the scope it loaded.
 */
export class PostgresSyncTarget
  implements SyncStateSource<PostgresError>, PlanApplier<PostgresError>
{
  readonly #client: PostgresClient
  readonly #config: PostgresSyncTargetConfig

  constructor(client: PostgresClient, config: PostgresSyncTargetConfig = {}) {
    this.#client = client
    this.#config = config
  }

  loadSyncState(): ResultAsync<SyncState, PostgresError> {
    return loadSyncState(this.#client, this.#config)
  }

  /**
   * Applies a plan (see `applyPlan`): refused if the target changed since it was made, or if a
   * command could not have been planned from the re-read state with `context`'s group load (when
   * absent, with Mattermost's own groups and links of the configured `groupSources`).
   */
  applyPlan(
    plan: Pick<SyncPlan, 'commands' | 'targetFingerprint'>,
    context: ApplyContext & Pick<ApplyPlanOptions, 'now' | 'runId'> = {},
  ): ResultAsync<ApplyPlanReport, PostgresError> {
    const { teamIds, strict, defaultChannelNames, groupSources, check } = this.#config
    const { now, runId, ...admission } = context
    return applyPlan(this.#client, plan, {
      ...(now !== undefined ? { now } : {}),
      ...(runId !== undefined ? { runId } : {}),
      context: admission,
      ...(groupSources !== undefined ? { groupSources } : {}),
      ...(teamIds !== undefined ? { teamIds } : {}),
      ...(strict !== undefined ? { strict } : {}),
      ...(check !== undefined ? { check } : {}),
      ...(defaultChannelNames !== undefined ? { defaultChannelNames } : {}),
    })
  }
}
