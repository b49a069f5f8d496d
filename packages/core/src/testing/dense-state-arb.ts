import fc from 'fast-check'
import { match } from 'ts-pattern'
import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  SyncableRef,
  SyncState,
  SystemRole,
  Team,
  TeamMember,
  User,
} from '../model.js'

/** `arbs` in order, as one arbitrary of an array. */
function all<T>(arbs: readonly fc.Arbitrary<T>[]): fc.Arbitrary<T[]> {
  return arbs.length === 0 ? fc.constant([]) : fc.tuple(...arbs).map((xs): T[] => xs)
}

/** `true` with probability `percent` / 100; shrinks to `false`. */
function chance(percent: number): fc.Arbitrary<boolean> {
  return fc.oneof(
    { arbitrary: fc.constant(false), weight: 100 - percent },
    { arbitrary: fc.constant(true), weight: percent },
  )
}

/** Each item's arbitrary, kept with probability `percent` / 100 (no size bias; shrinks to none). */
function some<T>(arbs: readonly fc.Arbitrary<T>[], percent: number): fc.Arbitrary<T[]> {
  return all(arbs.map((a) => fc.tuple(chance(percent), a))).map((xs) =>
    xs.filter(([keep]) => keep).map(([, x]) => x),
  )
}

/** An optional flag: absent when false, as most real rows are. */
const flag = (name: string, on: boolean): Record<string, boolean> => (on ? { [name]: true } : {})

/** A config's label for what made a syncable managed, or none (reasons then say `config`). */
const managedByArb = fc.constantFrom<string | undefined>(undefined, 'rule 1', 'the manage list')

const ids = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/**
 * A small but dense consistent state: few users, groups, teams and channels, but every (group,
 * syncable) linked and every (syncable, user) a member with a fair chance, and flags distributed like
 * real data (mostly plain users, live rows, non-guest rows). The exported `syncStateArb` draws links
 * and memberships as size-biased lists and flags uniformly (half the rows are guest rows), so with
 * fast-check's default size about 1 state in 30 holds a role change; here it is about 1 in 3. Short
 * ids keep counterexamples readable. Teams and channels are sometimes `managed` (with or without a
 * label), channels sometimes named `town-square`, and about half are default channels (mostly
 * open ones, as Mattermost's are).
 */
export function denseStateArb(): fc.Arbitrary<SyncState> {
  // Fixed id pools and no `chain`, so that shrinking works well: a missing entity is dropped
  // together with every row that names it (see `resolve`).
  const userIds = ids('u', 7)
  const groupIds = ids('g', 3)
  const teamIds = ids('t', 2)
  const channelIds = ids('c', 3)
  const syncables: SyncableRef[] = [
    ...teamIds.map((id) => ({ kind: 'team' as const, id })),
    ...channelIds.map((id) => ({ kind: 'channel' as const, id })),
  ]
  const roleArb = fc.oneof(
    { arbitrary: fc.constant<SystemRole>('user'), weight: 7 },
    { arbitrary: fc.constant<SystemRole>('admin'), weight: 2 },
    { arbitrary: fc.constant<SystemRole>('guest'), weight: 1 },
  )
  return fc
    .record({
      users: some(
        userIds.map((id) =>
          fc
            .record({ systemRole: roleArb, isBot: chance(10), deactivated: chance(10) })
            .map((u): User => ({
              id,
              username: `user.${id}`,
              systemRole: u.systemRole,
              ...flag('isBot', u.isBot),
              ...flag('deactivated', u.deactivated),
            })),
        ),
        85,
      ),
      groups: some(
        groupIds.map((id) =>
          fc
            .record({
              memberIds: some(
                userIds.map((u) => fc.constant(u)),
                60,
              ),
              deleted: chance(10),
              unavailable: chance(10),
            })
            .map((g): Group => ({
              id,
              name: `mm_${id}`,
              memberIds: g.memberIds,
              ...flag('deleted', g.deleted),
              ...(g.unavailable ? { status: 'unavailable' as const } : {}),
            })),
        ),
        80,
      ),
      teams: some(
        teamIds.map((id) =>
          fc
            .record({
              groupConstrained: chance(60),
              deleted: chance(10),
              managed: chance(25),
              managedBy: managedByArb,
            })
            .map((t): Team => ({
              id,
              name: `team-${id}`,
              groupConstrained: t.groupConstrained,
              ...flag('deleted', t.deleted),
              ...flag('managed', t.managed),
              ...(t.managed && t.managedBy !== undefined ? { managedBy: t.managedBy } : {}),
            })),
        ),
        85,
      ),
      channels: some(
        channelIds.map((id) =>
          fc
            .record({
              teamId: fc.constantFrom(...teamIds),
              type: fc.oneof(
                { arbitrary: fc.constantFrom<Channel['type']>('P', 'O'), weight: 6 },
                { arbitrary: fc.constantFrom<Channel['type']>('D', 'G'), weight: 1 },
              ),
              groupConstrained: chance(60),
              deleted: chance(10),
              managed: chance(25),
              managedBy: managedByArb,
              // Default channels are open ones (town-square, off-topic), mostly; others are not joined.
              defaultChannel: chance(50),
              openIfDefault: chance(80),
              // Mattermost's own default channel, where non-guests are never removed.
              townSquare: chance(25),
            })
            .map((c): Channel => ({
              id,
              teamId: c.teamId,
              name: c.townSquare ? 'town-square' : `chan-${id}`,
              type: c.defaultChannel && c.openIfDefault ? 'O' : c.type,
              groupConstrained: c.groupConstrained,
              ...flag('deleted', c.deleted),
              ...flag('managed', c.managed),
              ...(c.managed && c.managedBy !== undefined ? { managedBy: c.managedBy } : {}),
              ...flag('defaultChannel', c.defaultChannel),
            })),
        ),
        60,
      ),
      links: some(
        groupIds.flatMap((groupId) =>
          syncables.map((syncable) =>
            fc
              .record({ autoAdd: chance(50), schemeAdmin: chance(40), deleted: chance(10) })
              .map((l): GroupLink => ({
                groupId,
                syncable,
                autoAdd: l.autoAdd,
                schemeAdmin: l.schemeAdmin,
                ...flag('deleted', l.deleted),
              })),
          ),
        ),
        60,
      ),
      teamRows: some(
        teamIds.flatMap((teamId) =>
          userIds.map((userId) =>
            fc
              .record({ schemeAdmin: chance(40), oddGuest: chance(5), deleted: chance(15) })
              .map((r) => ({ teamId, userId, ...r })),
          ),
        ),
        65,
      ),
      channelRows: some(
        channelIds.flatMap((channelId) =>
          userIds.map((userId) =>
            fc
              .record({ schemeAdmin: chance(40), oddGuest: chance(5) })
              .map((r) => ({ channelId, userId, ...r })),
          ),
        ),
        55,
      ),
      pastMembers: some(
        channelIds.flatMap((c) =>
          userIds.map((u) => fc.constant<ChannelHistory>({ channelId: c, userId: u })),
        ),
        20,
      ),
    })
    .map(
      ({
        users,
        groups,
        teams,
        channels,
        links,
        teamRows,
        channelRows,
        pastMembers,
      }): SyncState => {
        // A row's guest flag follows the account, except for a few inconsistent rows.
        const guest = (userId: string, odd: boolean) =>
          users.some((u) => u.id === userId && u.systemRole === 'guest') !== odd
        const teamMembers = teamRows.map((r): TeamMember => ({
          teamId: r.teamId,
          userId: r.userId,
          schemeAdmin: r.schemeAdmin,
          schemeGuest: guest(r.userId, r.oddGuest),
          ...flag('deleted', r.deleted),
        }))
        const channelMembers = channelRows.map((r): ChannelMember => ({
          channelId: r.channelId,
          userId: r.userId,
          schemeAdmin: r.schemeAdmin,
          schemeGuest: guest(r.userId, r.oddGuest),
        }))
        // Mattermost writes a history row on every channel join: current members have one.
        const history = new Map<string, ChannelHistory>()
        for (const h of [...channelMembers, ...pastMembers]) {
          history.set(`${h.channelId}|${h.userId}`, { channelId: h.channelId, userId: h.userId })
        }
        return resolve({
          users,
          groups,
          teams,
          channels,
          links,
          teamMembers,
          channelMembers,
          channelHistory: [...history.values()],
        })
      },
    )
}

/** Drops every reference to an entity that is not in the state (and what hangs on it). */
function resolve(s: SyncState): SyncState {
  const users = new Set(s.users.map((u) => u.id))
  const teams = new Set(s.teams.map((t) => t.id))
  const channelList = s.channels.filter((c) => teams.has(c.teamId))
  const channels = new Set(channelList.map((c) => c.id))
  const groupList = s.groups.map((g) => ({
    ...g,
    memberIds: g.memberIds.filter((u) => users.has(u)),
  }))
  const groups = new Set(groupList.map((g) => g.id))
  return {
    users: s.users,
    groups: groupList,
    teams: s.teams,
    channels: channelList,
    links: s.links.filter(
      (l) =>
        groups.has(l.groupId) &&
        match(l.syncable)
          .with({ kind: 'team' }, ({ id }) => teams.has(id))
          .with({ kind: 'channel' }, ({ id }) => channels.has(id))
          .exhaustive(),
    ),
    teamMembers: s.teamMembers.filter((m) => teams.has(m.teamId) && users.has(m.userId)),
    channelMembers: s.channelMembers.filter(
      (m) => channels.has(m.channelId) && users.has(m.userId),
    ),
    channelHistory: s.channelHistory.filter(
      (h) => channels.has(h.channelId) && users.has(h.userId),
    ),
  }
}
