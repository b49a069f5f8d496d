import type { SyncState } from './model.js'
import type { ApplyReport } from './ports.js'

/**
 * Per team and channel: every user id a run saw as a member or made one. Plain data, what a
 * `MembershipStore` keeps for targets whose API cannot list departures (Mattermost's REST API).
 */
export interface RememberedMemberships {
  readonly teams: readonly { readonly teamId: string; readonly userIds: readonly string[] }[]
  readonly channels: readonly { readonly channelId: string; readonly userIds: readonly string[] }[]
}

/**
 * Adds what the memory implies and the API cannot show: a soft-deleted team row for a remembered
 * user with no team row now, a history row per remembered channel member. Only for teams, channels
 * and users present in `state`. Pure.
 */
export function withRememberedMemberships(
  state: SyncState,
  memory: RememberedMemberships,
): SyncState {
  void state
  void memory
  throw new Error('withRememberedMemberships: not implemented yet (phase 1, core helper)')
}

/**
 * What to remember from a load (active team rows, channel rows) and, when given, from an apply
 * report (adds that are done or already hold). Pure.
 */
export function membershipsToRemember(
  state: SyncState,
  report?: ApplyReport,
): RememberedMemberships {
  void state
  void report
  throw new Error('membershipsToRemember: not implemented yet (phase 1, core helper)')
}
