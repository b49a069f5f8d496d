/** A user's system-wide role: `system_user`, `system_guest` or `system_admin` in Mattermost terms. */
export type SystemRole = 'user' | 'guest' | 'admin'

/** A Mattermost user. `deactivated` is `Users.DeleteAt > 0`; `isBot` is "a `Bots` row exists". */
export interface User {
  readonly id: string
  readonly username: string
  readonly email?: string
  /** The directory id Mattermost stores for LDAP/SAML users (`Users.AuthData`). */
  readonly authData?: string
  readonly systemRole: SystemRole
  readonly isBot?: boolean
  readonly deactivated?: boolean
}

/**
 * A group of Mattermost user ids (a `UserGroups` row and its live `GroupMembers`, or a directory group
 * resolved to Mattermost users). `status: 'unavailable'` means the source could not be read, so
 * `memberIds` is not a truth anyone may be removed by.
 */
export interface Group {
  readonly id: string
  readonly name: string
  readonly memberIds: readonly string[]
  readonly deleted?: boolean
  readonly status?: 'complete' | 'unavailable'
  /**
   * For members that are in the group only through nested groups: the chain of group names from this
   * group down to the one that names the user directly. Shown by `explain`; never used to decide.
   * Directory groups carry `subgroupIds` instead (see `nestingPath`).
   */
  readonly nesting?: Readonly<Record<string, readonly string[]>>
  /**
   * Groups nested directly in this one (their ids, sorted by name), for `explain`'s nesting paths;
   * never used to decide. `memberIds` already holds their members.
   */
  readonly subgroupIds?: readonly string[]
  /** With `subgroupIds`: the members this group names itself, sorted. Without, every member is. */
  readonly directMemberIds?: readonly string[]
  /**
   * Set on a group derived from another group's managers (link rule option `managers`): the group
   * they manage and the directory attribute naming them (`memberManager`). Shown by `explain` and
   * in reasons; never used to decide (the derived group is linked like any other).
   */
  readonly managersOf?: {
    readonly groupId: string
    readonly groupName: string
    readonly attribute?: string
  }
}

/** A Mattermost team. `groupConstrained` is `Teams.GroupConstrained` (NULL reads as false). */
export interface Team {
  readonly id: string
  readonly name: string
  readonly groupConstrained: boolean
  readonly deleted?: boolean
  /**
   * This project's own constraint (config `manage`): planned like a group-constrained team
   * (removals, role sync) whether or not Mattermost constrains it.
   */
  readonly managed?: boolean
  /** What made it managed, for reasons and `explain`: e.g. `rule 2`, `the manage list`. */
  readonly managedBy?: string
}

/** A Mattermost channel. Only open (`O`) and private (`P`) channels take part in group sync. */
export interface Channel {
  readonly id: string
  readonly teamId: string
  readonly name: string
  readonly type: 'O' | 'P' | 'D' | 'G'
  readonly groupConstrained: boolean
  readonly deleted?: boolean
  /** As `Team.managed`: planned like a group-constrained channel. */
  readonly managed?: boolean
  /** What made it managed, for reasons and `explain`. */
  readonly managedBy?: string
  /**
   * Mattermost joins every new non-guest member of the team to this channel (`town-square`,
   * `off-topic`, or `TeamSettings.ExperimentalDefaultChannels`); only live open channels are joined.
   */
  readonly defaultChannel?: boolean
}

/** A team or a channel: what a group can be linked to ("syncable" in Mattermost's code). */
export type SyncableRef =
  { readonly kind: 'team'; readonly id: string } | { readonly kind: 'channel'; readonly id: string }

/** A `GroupTeams` / `GroupChannels` row. */
export interface GroupLink {
  readonly groupId: string
  readonly syncable: SyncableRef
  readonly autoAdd: boolean
  readonly schemeAdmin: boolean
  readonly deleted?: boolean
}

/** A `TeamMembers` row. `deleted`: the user left or was removed (the row is soft-deleted and kept). */
export interface TeamMember {
  readonly teamId: string
  readonly userId: string
  readonly schemeAdmin: boolean
  readonly schemeGuest: boolean
  readonly deleted?: boolean
}

/** A `ChannelMembers` row. Channel membership has no soft delete: a removed member has no row. */
export interface ChannelMember {
  readonly channelId: string
  readonly userId: string
  readonly schemeAdmin: boolean
  readonly schemeGuest: boolean
}

/** The user was a member of the channel at some time (a `ChannelMemberHistory` row exists). */
export interface ChannelHistory {
  readonly channelId: string
  readonly userId: string
}

/** Everything a sync decision depends on, as plain data. Order of every array is irrelevant. */
export interface SyncState {
  readonly users: readonly User[]
  readonly groups: readonly Group[]
  readonly teams: readonly Team[]
  readonly channels: readonly Channel[]
  readonly links: readonly GroupLink[]
  readonly teamMembers: readonly TeamMember[]
  readonly channelMembers: readonly ChannelMember[]
  readonly channelHistory: readonly ChannelHistory[]
}

/** The role a membership should have: guests stay guests; `admin` is `SchemeAdmin = true`. */
export type Role = 'guest' | 'member' | 'admin'

/** An empty state, handy as a starting point for hand-made scenarios. */
export const emptyState: SyncState = Object.freeze({
  users: [],
  groups: [],
  teams: [],
  channels: [],
  links: [],
  teamMembers: [],
  channelMembers: [],
  channelHistory: [],
})
