export { decideRole, roleFromGroups } from './decide-role.js'
export { createRoleDecider } from './create-role-decider.js'
export { planSync } from './plan-sync.js'
export { applyPlan } from './apply-plan.js'
export { explain } from './explain.js'
export { fingerprintState, fingerprintTarget } from './fingerprint.js'
export { normalizeState } from './normalize-state.js'
export { defaultSyncPolicy, resolvePolicy } from './sync-policy.js'
export {
  commandKey,
  commandSyncable,
  describeHold,
  syncCommandKinds,
  toSyncCommand,
} from './sync-command.js'
export { planSafely } from './plan-safely.js'
export { applyRemovalGrace, noRemovalGrace } from './removal-grace.js'
export {
  defaultHealthGate,
  freezeGroups,
  healthGate,
  holdForDirectoryGate,
  holdRemovalsAndDemotions,
} from './health-gate.js'
export { guardLastAdmin } from './last-admin-guard.js'
export { admitRevert, revertPlan, runBeforeOf } from './revert-plan.js'
export { admitForApply } from './admit-for-apply.js'
export { planRevert } from './plan-revert.js'
export { applyOwnOnly, recordAdded } from './own-removals.js'
export { directorySizes, emptySyncHistory, nextSyncHistory } from './sync-history.js'
export { checkFreshness, parseContextCsn, replicaFreshness } from './replica-freshness.js'
export { emptyState } from './model.js'
export { runSync } from './run-sync.js'
export {
  escapeMattermostMarkdown,
  formatRunSummary,
  shouldPostRunSummary,
} from './format-run-summary.js'
export { escapeForTerminal, formatPlan, readPlanFile, writePlanFile } from './plan-file.js'
export { checkPlanCommands } from './check-plan-commands.js'
export { staleRows } from './stale-rows.js'
export {
  admitCommands,
  applyContextOf,
  inadmissibleCommands,
  withGroupLoad,
} from './admit-commands.js'
export { membershipsToRemember, withRememberedMemberships } from './remembered-memberships.js'
export { directoryWarning } from './directory-snapshot.js'
export { resolveGroups } from './resolve-groups.js'
export { nestingPath } from './nesting-path.js'
export {
  linkPatternProblem,
  linksFromRules,
  linkWarning,
  managerGroupId,
  parseLinkRules,
} from './link-rules.js'
export { managerGroups } from './manager-groups.js'
export { groupsFromDirectory } from './groups-from-directory.js'
export { isLoopbackHost, redactUrls } from './redact-urls.js'

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
export type {
  AppliedRun,
  NotRevertible,
  NotRevertibleReason,
  RefusedRevertCommand,
  RevertPlan,
  RunBefore,
} from './revert-plan.js'
export type { RoleDecider } from './create-role-decider.js'
export type { ResolvedSyncPolicy, SyncPolicy, SyncPolicyInput } from './sync-policy.js'
export type {
  HeldCommand,
  HoldReason,
  LimitHoldReason,
  PlannedCommand,
  SafetyWarning,
  SyncCommand,
  SyncCommandKind,
  SyncPlan,
  SyncStats,
  SyncWarning,
} from './sync-command.js'
export type { ExplainedLink, Explanation } from './explain.js'
export type { ApplyPlanModel } from './apply-plan.js'
export type {
  RunSyncError,
  RunSyncEvent,
  RunSyncFailure,
  RunSyncOptions,
  RunSyncPorts,
  RunSyncResult,
} from './run-sync.js'
export type { RevertSyncPlan } from './plan-revert.js'
export type {
  PlanFile,
  PlanFileError,
  PlanFileIntegrity,
  PlanFileRevertOf,
  PlanSigningKey,
  ReadPlanFileOptions,
  WritePlanFileOptions,
} from './plan-file.js'
export type {
  CheckPlanCommandsOptions,
  NoLongerPlannedWhy,
  PlanCommandsCheck,
  StaleCause,
  StaleCommand,
} from './check-plan-commands.js'
export type {
  AdmissionPolicy,
  AdmissionRefusalReason,
  AdmitCommandsOptions,
  ApplyContext,
  CommandAdmission,
  InadmissibleCommandsError,
  RefusedCommand,
} from './admit-commands.js'
export type { StaleRow } from './stale-rows.js'
export type {
  ApplyReport,
  CommandError,
  CommandOutcome,
  GroupLoad,
  GroupSource,
  MembershipStore,
  PlanApplier,
  SyncHistoryStore,
  SyncStateSource,
  SyncTarget,
  TargetView,
  Warning,
} from './ports.js'
export type {
  DirectoryGroup,
  DirectorySnapshot,
  DirectoryUser,
  DirectoryWarning,
  WarningFields,
} from './directory-snapshot.js'
export type {
  AmbiguousMatch,
  MatchBy,
  ResolvedGroups,
  ResolveWarning,
  UnmatchedUser,
} from './resolve-groups.js'
export type {
  LinkRule,
  LinkRuleError,
  LinksFromRules,
  LinksFromRulesOptions,
  ManagerGroupRef,
  ManagersMode,
  LinkWarning,
  ManagedSyncable,
} from './link-rules.js'
export type { GroupSourceWarning, GroupsFromDirectoryOptions } from './groups-from-directory.js'
export type { ManagerGroups } from './manager-groups.js'
export type { RememberedMemberships } from './remembered-memberships.js'
export type { SafePlan, SafetyOptions } from './plan-safely.js'
export type { RemovalGrace } from './removal-grace.js'
export type { RunSummaryInput, RunSummaryOptions } from './format-run-summary.js'
export type { HealthGateResult, HealthGateThresholds, ShrunkGroup } from './health-gate.js'
export type { LastGoodRun, PendingRemoval, SyncHistory } from './sync-history.js'
export type { FreshnessCheck, FreshnessMarker, ReplicaFreshness } from './replica-freshness.js'
