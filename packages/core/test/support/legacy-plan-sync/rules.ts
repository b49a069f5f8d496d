import type { Channel, Team } from '../../../src/model.js'

// The phase-1 rules that more than one place asks (the planner's index, applyPlan, explain), each
// written once so that every caller, and the README, say the same thing.

/** Mattermost's `model.DefaultChannelName`: the channel every non-guest team member stays in. */
export const townSquareName = 'town-square'

/**
 * Planned like a group-constrained syncable (removals, role sync under `roleSync:
 * 'groupConstrained'`, channel adds into the team): Mattermost's `groupConstrained` or this
 * project's own `managed`.
 */
export function isConstrained(x: Pick<Team | Channel, 'groupConstrained' | 'managed'>): boolean {
  return x.groupConstrained || x.managed === true
}

/**
 * Why a syncable is constrained, as reasons say it: `group-synced in Mattermost`, `managed by
 * <managedBy>` (`config` when no label is given), both, or `''` when it is not constrained.
 */
export function constraintLabel(
  x: Pick<Team | Channel, 'groupConstrained' | 'managed' | 'managedBy'>,
): string {
  const managed = x.managed === true ? `managed by ${x.managedBy ?? 'config'}` : ''
  if (!x.groupConstrained) return managed
  return managed === '' ? 'group-synced in Mattermost' : `group-synced in Mattermost and ${managed}`
}

/**
 * Mattermost refuses to take a non-guest out of `town-square` (400
 * `api.channel.remove.default.app_error` in `RemoveUserFromChannel`, its own group sync included);
 * only leaving the team does. Guests can be removed.
 */
export function keepsTownSquare(channelName: string, guestAccount: boolean): boolean {
  return channelName === townSquareName && !guestAccount
}

/**
 * A channel Mattermost joins a new non-guest team member to (`JoinDefaultChannels`): flagged as a
 * default channel, open (`O`) and not archived.
 */
export function joinsByDefault(c: Pick<Channel, 'defaultChannel' | 'type' | 'deleted'>): boolean {
  return c.defaultChannel === true && c.type === 'O' && c.deleted !== true
}
