export { decideRole, roleFromGroups } from './decide-role.js'
export { createRoleDecider } from './create-role-decider.js'
export { planSync } from './plan-sync.js'
export { applyPlan } from './apply-plan.js'
export { explain } from './explain.js'
export { fingerprintState, fingerprintTarget } from './fingerprint.js'
export { normalizeState } from './normalize-state.js'
export { defaultSyncPolicy, resolvePolicy } from './sync-policy.js'
export { commandKey, commandSyncable, syncCommandKinds, toSyncCommand } from './sync-command.js'
export { emptyState } from './model.js'
export { runSync } from './run-sync.js'
export { formatPlan, readPlanFile, writePlanFile } from './plan-file.js'
export { membershipsToRemember, withRememberedMemberships } from './remembered-memberships.js'

export type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  Role,
  SyncableRef,
  SyncState,
  SystemRole,
  Team,
  TeamMember,
  User,
} from './model.js'
export type { RoleDecision, RoleInput } from './decide-role.js'
export type { RoleDecider } from './create-role-decider.js'
export type { ResolvedSyncPolicy, SyncPolicy, SyncPolicyInput } from './sync-policy.js'
export type {
  HeldCommand,
  HoldReason,
  PlannedCommand,
  SyncCommand,
  SyncCommandKind,
  SyncPlan,
  SyncStats,
  SyncWarning,
} from './sync-command.js'
export type { ExplainedLink, Explanation } from './explain.js'
export type {
  RunSyncError,
  RunSyncEvent,
  RunSyncOptions,
  RunSyncPorts,
  RunSyncResult,
} from './run-sync.js'
export type { PlanFile, PlanFileError } from './plan-file.js'
export type {
  ApplyReport,
  CommandOutcome,
  GroupSource,
  MembershipStore,
  PlanApplier,
  SyncStateSource,
} from './ports.js'
export type { RememberedMemberships } from './remembered-memberships.js'
