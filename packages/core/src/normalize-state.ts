import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  SyncState,
  Team,
  TeamMember,
  User,
} from './model.js'

/**
 * The canonical form of a state: arrays sorted by key, group members sorted and de-duplicated,
 * optional flags present only when true and optional strings only when set. Two states mean the
 * same thing iff their normalised forms are deep-equal; round-trip tests compare these.
 */
export function normalizeState(state: SyncState): SyncState {
  return {
    users: sortBy(state.users.map(normalizeUser), (u) => u.id),
    groups: sortBy(state.groups.map(normalizeGroup), (g) => g.id),
    teams: sortBy(
      state.teams.map((t): Team => ({
        id: t.id,
        name: t.name,
        groupConstrained: t.groupConstrained,
        ...(t.deleted === true ? { deleted: true } : {}),
        ...(t.managed === true ? { managed: true } : {}),
        ...(t.managedBy !== undefined ? { managedBy: t.managedBy } : {}),
      })),
      (t) => t.id,
    ),
    channels: sortBy(
      state.channels.map((c): Channel => ({
        id: c.id,
        teamId: c.teamId,
        name: c.name,
        type: c.type,
        groupConstrained: c.groupConstrained,
        ...(c.deleted === true ? { deleted: true } : {}),
        ...(c.managed === true ? { managed: true } : {}),
        ...(c.managedBy !== undefined ? { managedBy: c.managedBy } : {}),
        ...(c.defaultChannel === true ? { defaultChannel: true } : {}),
      })),
      (c) => c.id,
    ),
    links: sortBy(
      state.links.map((l): GroupLink => ({
        groupId: l.groupId,
        syncable: { kind: l.syncable.kind, id: l.syncable.id },
        autoAdd: l.autoAdd,
        schemeAdmin: l.schemeAdmin,
        ...(l.deleted === true ? { deleted: true } : {}),
      })),
      (l) => `${l.syncable.kind}\u0000${l.syncable.id}\u0000${l.groupId}`,
    ),
    teamMembers: sortBy(
      state.teamMembers.map((m): TeamMember => ({
        teamId: m.teamId,
        userId: m.userId,
        schemeAdmin: m.schemeAdmin,
        schemeGuest: m.schemeGuest,
        ...(m.deleted === true ? { deleted: true } : {}),
      })),
      (m) => `${m.teamId}\u0000${m.userId}`,
    ),
    channelMembers: sortBy(
      state.channelMembers.map((m): ChannelMember => ({
        channelId: m.channelId,
        userId: m.userId,
        schemeAdmin: m.schemeAdmin,
        schemeGuest: m.schemeGuest,
      })),
      (m) => `${m.channelId}\u0000${m.userId}`,
    ),
    channelHistory: sortBy(
      uniqueBy(
        state.channelHistory.map((h): ChannelHistory => ({
          channelId: h.channelId,
          userId: h.userId,
        })),
        (h) => `${h.channelId}\u0000${h.userId}`,
      ),
      (h) => `${h.channelId}\u0000${h.userId}`,
    ),
  }
}

function normalizeUser(u: User): User {
  return {
    id: u.id,
    username: u.username,
    ...(u.email !== undefined ? { email: u.email } : {}),
    ...(u.authData !== undefined ? { authData: u.authData } : {}),
    systemRole: u.systemRole,
    ...(u.isBot === true ? { isBot: true } : {}),
    ...(u.deactivated === true ? { deactivated: true } : {}),
  }
}

function normalizeGroup(g: Group): Group {
  return {
    id: g.id,
    name: g.name,
    memberIds: [...new Set(g.memberIds)].sort(),
    ...(g.deleted === true ? { deleted: true } : {}),
    ...(g.status === 'unavailable' ? { status: 'unavailable' as const } : {}),
  }
}

function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => [key(item), item] as const)
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return keyed.map(([, item]) => item)
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>()
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item)
  return [...seen.values()]
}
