export { fromPglite, fromTextQueries, isPool } from './postgres-client.js'
export { loadSyncState } from './load-sync-state.js'
export { applyPlan, defaultNotifyProps } from './apply-plan.js'
export { migrate, schemaVersion } from './migrate.js'
export { defaultChannelNames } from './default-channel-names.js'
export {
  finishRun,
  getRun,
  listRunCommands,
  listRuns,
  recordCommands,
  runOutcomeOf,
  startRun,
} from './run-journal.js'
export { withRunLock } from './with-run-lock.js'
export { PostgresSyncTarget } from './postgres-sync-target.js'
export { PostgresMembershipStore } from './postgres-membership-store.js'
export { PostgresHistoryStore } from './postgres-history-store.js'
export { scrubSecrets, toPostgresError } from './postgres-error.js'

export type {
  PgliteLike,
  PostgresClient,
  PostgresPool,
  PostgresPoolClient,
  PostgresQuery,
  PostgresQueryable,
  PostgresQueryResult,
  TextPool,
  TextQueryable,
} from './postgres-client.js'
export type { LoadSyncStateOptions, TargetState } from './load-sync-state.js'
export type {
  ApplicablePlan,
  ApplyPlanOptions,
  ApplyPlanReport,
  ApplyTimings,
} from './apply-plan.js'
export type { RunCommand, RunOutcome, RunRecord, RunStart, RunTarget } from './run-journal.js'
export type { PostgresError, SiteIdentity } from './postgres-error.js'
export type { PostgresSyncTargetConfig } from './postgres-sync-target.js'
export type { StaleCommand } from './internal/stale-commands.js'
