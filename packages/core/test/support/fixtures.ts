import {
  emptyState,
  type Channel,
  type ChannelMember,
  type Group,
  type GroupLink,
  type HeldCommand,
  type SyncCommand,
  type SyncableRef,
  type SyncState,
  type Team,
  type TeamMember,
  type User,
} from '@grouproles/core'

// Small constructors for hand-written scenarios, FreeIPA style (mm_rl_infra → team rl, channel
// infrastructure). Readable ids keep expected plans readable; core does not care about id shape.

export const teamRef = (id: string): SyncableRef => ({ kind: 'team', id })
export const channelRef = (id: string): SyncableRef => ({ kind: 'channel', id })

/** Every team and channel of a state as a syncable ref (live or not). */
export const syncableRefsOf = (st: Pick<SyncState, 'teams' | 'channels'>): SyncableRef[] => [
  ...st.teams.map((t) => teamRef(t.id)),
  ...st.channels.map((c) => channelRef(c.id)),
]

export function user(id: string, extra: Partial<User> = {}): User {
  return { id, username: id, systemRole: 'user', ...extra }
}

export function group(id: string, memberIds: readonly string[], extra: Partial<Group> = {}): Group {
  return { id, name: id, memberIds, ...extra }
}

export function team(id: string, extra: Partial<Team> = {}): Team {
  return { id, name: id, groupConstrained: false, ...extra }
}

export function channel(id: string, teamId: string, extra: Partial<Channel> = {}): Channel {
  return { id, teamId, name: id, type: 'P', groupConstrained: false, ...extra }
}

export function link(
  groupId: string,
  syncable: SyncableRef,
  extra: Partial<GroupLink> = {},
): GroupLink {
  return { groupId, syncable, autoAdd: true, schemeAdmin: false, ...extra }
}

export function teamMember(
  teamId: string,
  userId: string,
  extra: Partial<TeamMember> = {},
): TeamMember {
  return { teamId, userId, schemeAdmin: false, schemeGuest: false, ...extra }
}

export function channelMember(
  channelId: string,
  userId: string,
  extra: Partial<ChannelMember> = {},
): ChannelMember {
  return { channelId, userId, schemeAdmin: false, schemeGuest: false, ...extra }
}

/** A state from the parts given; every other array empty. */
export function state(parts: Partial<SyncState>): SyncState {
  return { ...emptyState, ...parts }
}

/** The pinned command shape, without the `reason` (and `hold`) planSync adds. */
export function bare(command: SyncCommand): SyncCommand {
  switch (command.kind) {
    case 'addTeamMember':
      return {
        kind: command.kind,
        teamId: command.teamId,
        userId: command.userId,
        role: command.role,
      }
    case 'addChannelMember':
      return {
        kind: command.kind,
        channelId: command.channelId,
        userId: command.userId,
        role: command.role,
      }
    case 'setTeamMemberAdmin':
      return {
        kind: command.kind,
        teamId: command.teamId,
        userId: command.userId,
        schemeAdmin: command.schemeAdmin,
      }
    case 'setChannelMemberAdmin':
      return {
        kind: command.kind,
        channelId: command.channelId,
        userId: command.userId,
        schemeAdmin: command.schemeAdmin,
      }
    case 'removeTeamMember':
      return { kind: command.kind, teamId: command.teamId, userId: command.userId }
    case 'removeChannelMember':
      return { kind: command.kind, channelId: command.channelId, userId: command.userId }
  }
}

/** Bare commands of a plan, in plan order. */
export function commandsOf(plan: { readonly commands: readonly SyncCommand[] }): SyncCommand[] {
  return plan.commands.map(bare)
}

/** Bare held commands of a plan, in plan order. */
export function heldOf(plan: { readonly held: readonly HeldCommand[] }): SyncCommand[] {
  return plan.held.map(bare)
}

/** A deep copy of plain JSON data (states hold nothing else). */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}
