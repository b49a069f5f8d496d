import type { Channel, Group, GroupLink, Role, Team, TeamMember, User } from './model.js'
import type { ResolvedSyncPolicy, SyncPolicy } from './sync-policy.js'

// Every sync rule, written once. decideRole, createRoleDecider, planSync, explain, the apply
// checks and the tests' referencePlan all ask these; the planner's hot loops read them through
// per-user bits computed by calling them once per user (see internal/user-traits.ts). Each rule
// says which Mattermost behaviour it follows, or where it diverges and why.

/* ---------------------------------------------------------------- users ---- */

/** `sysadmins` of a policy: the one knob the user rules depend on. */
type Sysadmins = Pick<SyncPolicy, 'sysadmins'>

/**
 * How a user's add-time role is decided. `guest`: a guest account is always a guest, no group
 * lookup (Mattermost: guests join with `SchemeGuest`). `bypass`: a system admin under `sysadmins:
 * 'bypass'` (the default) is never group-checked (a divergence: Mattermost's own sync checks
 * them). `groups`: everyone else, by their groups' links.
 */
export function roleSource(
  user: Pick<User, 'systemRole'>,
  policy: Sysadmins,
): 'guest' | 'bypass' | 'groups' {
  if (user.systemRole === 'guest') return 'guest'
  if (user.systemRole === 'admin' && policy.sysadmins === 'bypass') return 'bypass'
  return 'groups'
}

/** A system admin whom `sysadmins: 'bypass'` keeps out of group checks. */
export function isBypassed(user: Pick<User, 'systemRole'>, policy: Sysadmins): boolean {
  return roleSource(user, policy) === 'bypass'
}

/**
 * The add-time role: guest → guest; bypassed system admin → member; otherwise admin iff the user
 * is in a group with a live `schemeAdmin` link to the syncable (Mattermost's join:
 * `SchemeAdmin = UserIsInAdminRoleGroup` for non-guests). AutoAdd and group constraint do not
 * matter. Only live links and groups count (`isLiveLink`): Mattermost's query does not filter
 * soft-deleted groups or links (a divergence).
 */
export function addTimeRole(
  user: Pick<User, 'systemRole'>,
  inSchemeAdminGroup: boolean,
  policy: Sysadmins,
): Role {
  const source = roleSource(user, policy)
  if (source === 'guest') return 'guest'
  if (source === 'bypass') return 'member'
  return inSchemeAdminGroup ? 'admin' : 'member'
}

/**
 * Never removed by a sync: bots (as Mattermost: `TeamMembersToRemove` / `ChannelMembersToRemove`
 * skip users with a `Bots` row) and bypassed system admins (a divergence: Mattermost removes
 * system admins like anyone else).
 */
export function isExemptFromRemoval(
  user: Pick<User, 'systemRole' | 'isBot'>,
  policy: Sysadmins,
): boolean {
  return user.isBot === true || isBypassed(user, policy)
}

/**
 * May be added to a constrained team although in none of its groups, to follow a channel's
 * auto-add: only someone the team's own removal pass leaves alone, or the sync would add and
 * remove them in turn (Mattermost does add them, and flaps). Deliberately its own rule: today it
 * is "bots and bypassed system admins", but a change to who is exempt from removal must be
 * weighed here too, not inherited silently.
 */
export function joinsConstrainedTeamOutsideGroups(
  user: Pick<User, 'systemRole' | 'isBot'>,
  policy: Sysadmins,
): boolean {
  return user.isBot === true || isBypassed(user, policy)
}

/**
 * Whether a user's `SchemeAdmin` flag on a row follows their groups: not on guest rows (as
 * Mattermost's `UpdateMembersRole`), not for bots (a divergence: Mattermost rewrites them too,
 * mattermost/mattermost#34559), not for bypassed system admins (a divergence too).
 */
export function isRoleSynced(
  user: Pick<User, 'systemRole' | 'isBot'>,
  row: { readonly schemeGuest: boolean },
  policy: Sysadmins,
): boolean {
  return !row.schemeGuest && user.isBot !== true && !isBypassed(user, policy)
}

/**
 * Auto-add never adds a deactivated user (a divergence: Mattermost's `TeamMembersToAdd` does not
 * filter `Users.DeleteAt`, so it joins them to teams, and its channel adds fail with 403).
 */
export function isAutoAddable(user: Pick<User, 'deactivated'>): boolean {
  return user.deactivated !== true
}

/**
 * A user who left or was removed (soft-deleted team row, or any channel history row) is not
 * auto-added again unless `reAddRemovedMembers` (Mattermost: `TeamMembersToAdd` excludes any
 * `TeamMembers` row and `ChannelMembersToAdd` any `ChannelMemberHistory` row unless `reAdd`).
 */
export function blocksReAdd(
  leftOrRemoved: boolean,
  policy: Pick<SyncPolicy, 'reAddRemovedMembers'>,
): boolean {
  return leftOrRemoved && !policy.reAddRemovedMembers
}

/**
 * Joined to the team's default channels when added to a team: everyone but guests (Mattermost's
 * `JoinDefaultChannels` skips guest accounts).
 */
export function joinsDefaultChannels(user: Pick<User, 'systemRole'>): boolean {
  return user.systemRole !== 'guest'
}

/* ------------------------------------------------------------ syncables ---- */

/** Mattermost's `model.DefaultChannelName`: the channel every non-guest team member stays in. */
export const townSquareName = 'town-square'

/** A team takes part in sync unless archived (`Teams.DeleteAt > 0`). */
export function isLiveTeam(team: Pick<Team, 'deleted'>): boolean {
  return team.deleted !== true
}

/**
 * A channel takes part in sync when it is open (`O`) or private (`P`) (direct and group
 * messages have no group sync), not archived, and its team is live.
 */
export function isLiveChannel(
  channel: Pick<Channel, 'deleted' | 'type'>,
  team: Pick<Team, 'deleted'> | undefined,
): boolean {
  return (
    channel.deleted !== true &&
    (channel.type === 'O' || channel.type === 'P') &&
    team !== undefined &&
    isLiveTeam(team)
  )
}

/**
 * A link counts (grants membership and roles) when it is not deleted, its group exists and is
 * not deleted, and its syncable is live. Deleted links never grant admin (a divergence:
 * Mattermost's admin query does not filter `GroupTeams.DeleteAt`).
 */
export function isLiveLink(
  link: Pick<GroupLink, 'deleted'>,
  group: Pick<Group, 'deleted'> | undefined,
  syncableLive: boolean,
): boolean {
  return link.deleted !== true && group !== undefined && group.deleted !== true && syncableLive
}

/** This project's own constraint (config `manage`). */
export function isManaged(x: Pick<Team | Channel, 'managed'>): boolean {
  return x.managed === true
}

/**
 * Planned like a group-constrained syncable (removals, role sync under `roleSync:
 * 'groupConstrained'`, channel adds into the team): Mattermost's `groupConstrained` or this
 * project's own `managed`.
 */
export function isConstrained(x: Pick<Team | Channel, 'groupConstrained' | 'managed'>): boolean {
  return x.groupConstrained || isManaged(x)
}

/**
 * Why a syncable is constrained, as reasons say it: `group-synced in Mattermost`, `managed by
 * <managedBy>` (`config` when no label is given), both, or `''` when it is not constrained.
 */
export function constraintLabel(
  x: Pick<Team | Channel, 'groupConstrained' | 'managed' | 'managedBy'>,
): string {
  const managed = isManaged(x) ? `managed by ${x.managedBy ?? 'config'}` : ''
  if (!x.groupConstrained) return managed
  return managed === '' ? 'group-synced in Mattermost' : `group-synced in Mattermost and ${managed}`
}

/**
 * Members' `SchemeAdmin` is synced on constrained syncables (the spec; Mattermost's
 * `SyncSyncableRoles` runs for group-constrained ones) and, under `roleSync: 'allLinked'`, on
 * any live syncable with a live link (what Mattermost's link/patch API does,
 * mattermost/mattermost#27704).
 */
export function syncsRoles(
  constrained: boolean,
  liveLinkCount: number,
  policy: Pick<SyncPolicy, 'roleSync'>,
): boolean {
  return constrained || (policy.roleSync === 'allLinked' && liveLinkCount > 0)
}

/**
 * Linked to a group that could not be read (`status: 'unavailable'`): its membership truth is
 * unknown this run, so the syncable gets no removals and no demotions.
 */
export function freezes(group: Pick<Group, 'status'>): boolean {
  return group.status === 'unavailable'
}

/** Members outside every linked group are removed only from constrained syncables not frozen. */
export function removesMembers(constrained: boolean, frozen: boolean): boolean {
  return constrained && !frozen
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
 * default channel, open (`O`) and not archived. Guests are never joined.
 */
export function joinsByDefault(c: Pick<Channel, 'defaultChannel' | 'type' | 'deleted'>): boolean {
  return c.defaultChannel === true && c.type === 'O' && c.deleted !== true
}

/* ------------------------------------------------------------- commands ---- */

/**
 * A role change: `promote` / `demote` to bring a synced row's `SchemeAdmin` to what the groups
 * want, or `undefined` to leave it. A frozen syncable is never demoted (its groups may be wrong).
 */
export function roleChange(
  isAdmin: boolean,
  wantsAdmin: boolean,
  frozen: boolean,
): 'promote' | 'demote' | undefined {
  if (wantsAdmin === isAdmin) return undefined
  if (wantsAdmin) return 'promote'
  return frozen ? undefined : 'demote'
}

/** Why a channel auto-add is skipped instead of adding the user to the channel's team too. */
export type ChannelAddSkip = 'leftTeam' | 'notInTeamGroups'

/**
 * A channel add needs the team: when the user is not an active member of the channel's team (or
 * is on the way out of it), the add is skipped when: this plan removes them from the team, or
 * leaves that removal to Mattermost (`notInTeamGroups`); they left or were removed from the team
 * and re-adds are off (`leftTeam`: `blocksReAdd` for the team; a divergence, Mattermost since
 * MM-34002 adds them to the channel without the team); or the team is constrained and they are
 * in none of its groups (`notInTeamGroups`: Mattermost adds them and its team pass removes them
 * again, see `joinsConstrainedTeamOutsideGroups`). Otherwise (`undefined`) the channel add goes
 * ahead, with a team add when the user is not already a member (as Mattermost's
 * `createDefaultChannelMemberships` does).
 */
export function channelAddSkip(
  user: Pick<User, 'systemRole' | 'isBot'>,
  team: {
    /** The user's team row, if any. */
    readonly row: Pick<TeamMember, 'deleted'> | undefined
    /** This plan removes them from the team, or holds that removal as left to Mattermost. */
    readonly leaving: boolean
    readonly constrained: boolean
    /** In a group with a live link to the team. */
    readonly inLinkedGroup: boolean
  },
  policy: Pick<ResolvedSyncPolicy, 'sysadmins' | 'reAddRemovedMembers'>,
): ChannelAddSkip | undefined {
  if (team.leaving) return 'notInTeamGroups'
  if (team.row !== undefined && team.row.deleted !== true) return undefined
  if (blocksReAdd(team.row?.deleted === true, policy)) return 'leftTeam'
  if (team.constrained && !team.inLinkedGroup && !joinsConstrainedTeamOutsideGroups(user, policy))
    return 'notInTeamGroups'
  return undefined
}

/**
 * With `groupConstrainedRemovals: 'leaveToMattermost'`, removals from a syncable Mattermost
 * group-constrains are held as `leftToMattermost` (its REST API refuses them; its own group sync
 * does them). `managed` alone is not enough: there the REST API removes.
 */
export function leavesRemovalsToMattermost(
  x: Pick<Team | Channel, 'groupConstrained'>,
  policy: Pick<ResolvedSyncPolicy, 'groupConstrainedRemovals'>,
): boolean {
  return x.groupConstrained && policy.groupConstrainedRemovals === 'leaveToMattermost'
}

/**
 * A syncable's removals are all held (`maxRemovalFraction`) when it would lose at least
 * `fractionMinRemovals` members and more than `maxRemovalFraction` of its active members: its
 * groups look wrong, not its members. Removals that undo the plan's own default joins do not count.
 */
export function exceedsRemovalFraction(
  removals: number,
  activeMembers: number,
  limits: Pick<ResolvedSyncPolicy['limits'], 'maxRemovalFraction' | 'fractionMinRemovals'>,
): boolean {
  return (
    removals >= limits.fractionMinRemovals && removals > limits.maxRemovalFraction * activeMembers
  )
}

/**
 * The plan's removals (after fraction holds) are all held (`maxRemovals`) when there are more
 * than `maxRemovals` of them: an unattended run never removes more than a bounded few.
 */
export function exceedsMaxRemovals(
  removals: number,
  limits: Pick<ResolvedSyncPolicy['limits'], 'maxRemovals'>,
): boolean {
  return removals > limits.maxRemovals
}
