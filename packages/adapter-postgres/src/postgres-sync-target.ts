import type { ResultAsync } from 'neverthrow'
import type { PlanApplier, SyncPlan, SyncState, SyncStateSource } from '@grouproles/core'
import type { PostgresClient } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { applyPlan, type ApplyPlanOptions, type ApplyPlanReport } from './apply-plan.js'
import { loadSyncState, type LoadSyncStateOptions } from './load-sync-state.js'

/**
 * Configuration of `PostgresSyncTarget`: the load options, and the apply options that hold for every
 * plan (`teamIds` and `defaultChannelNames` serve both).
 */
export type PostgresSyncTargetConfig = LoadSyncStateOptions & Pick<ApplyPlanOptions, 'strict'>

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

  applyPlan(
    plan: Pick<SyncPlan, 'commands' | 'targetFingerprint'>,
    options: Pick<ApplyPlanOptions, 'now' | 'runId'> = {},
  ): ResultAsync<ApplyPlanReport, PostgresError> {
    const { teamIds, strict, defaultChannelNames } = this.#config
    return applyPlan(this.#client, plan, {
      ...options,
      ...(teamIds !== undefined ? { teamIds } : {}),
      ...(strict !== undefined ? { strict } : {}),
      ...(defaultChannelNames !== undefined ? { defaultChannelNames } : {}),
    })
  }
}
