export { createMattermostClient, MattermostClient } from './mattermost-client.js'
export {
  defaultConcurrency,
  defaultWriteConcurrency,
  maxChannelBatch,
  maxIdsPerRead,
  maxTeamBatch,
  perPage,
} from './mattermost-client.js'
export { groupConstrainedErrorIds, isTransientError } from './mattermost-error.js'
export { isMattermostId } from './is-mattermost-id.js'
export { checkMattermostTransport } from './check-mattermost-transport.js'
export { defaultChannelNames, loadSyncState, toSystemRole } from './load-sync-state.js'
export { defaultMattermostReadLimits } from './read-budget.js'
export { applyPlan, channelHistoryOf } from './apply-plan.js'
export { readTouchedState } from './read-touched-state.js'
export { MattermostSyncTarget } from './mattermost-sync-target.js'
export {
  linkGroup,
  listGroupLinks,
  listSyncableGroupLinks,
  patchGroupLink,
  unlinkGroup,
} from './group-links.js'

export type {
  LinkTarget,
  MattermostClientConfig,
  PagedList,
  SiteIdentity,
  TeamChannelListing,
} from './mattermost-client.js'
export type { MattermostError } from './mattermost-error.js'
export type { MattermostTransportError } from './check-mattermost-transport.js'
export type { LoadSyncStateOptions } from './load-sync-state.js'
export type { ReadTouchedStateOptions } from './read-touched-state.js'
export type { MattermostReadLimits } from './read-budget.js'
export type { MattermostSyncTargetConfig } from './mattermost-sync-target.js'
export type {
  ApplicablePlan,
  ApplyPlanOptions,
  ApplyProgress,
  MattermostApplyReport,
  MattermostCommandOutcome,
} from './apply-plan.js'
export type {
  GroupLinkInput,
  GroupLinkPatch,
  LinkGroupResult,
  UnlinkGroupOptions,
  UnlinkGroupResult,
} from './group-links.js'
export type {
  ApiChannel,
  ApiChannelMember,
  ApiGroup,
  ApiGroupSyncable,
  ApiTeam,
  ApiTeamMember,
  ApiTeamMemberWithError,
  ApiUser,
} from './api-types.js'
export { fetchTransport } from './fetch-transport.js'
export { nodeHttpTransport } from './node-http-transport.js'
export type { HttpExchange, HttpOutcome, HttpTransport } from './http-transport.js'
export type { NodeHttpTransportOptions } from './node-http-transport.js'
