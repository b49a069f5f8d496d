import fc from 'fast-check'
import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  GroupLink,
  SyncState,
  SystemRole,
  TeamMember,
  User,
} from '@grouproles/core'
import { denseStateArb, syncStateArb } from '@grouproles/core/testing'

export { denseStateArb }

/** The exported `syncStateArb`, the dense states and default joins, for properties over any consistent state. */
export function stateArb(): fc.Arbitrary<SyncState> {
  return fc.oneof(
    { arbitrary: syncStateArb(), weight: 1 },
    { arbitrary: denseStateArb(), weight: 2 },
    { arbitrary: defaultJoinStateArb(), weight: 1 },
  )
}

/** `true` with probability `percent` / 100; shrinks to `false`. */
const chance = (percent: number): fc.Arbitrary<boolean> =>
  fc.oneof(
    { arbitrary: fc.constant(false), weight: 100 - percent },
    { arbitrary: fc.constant(true), weight: percent },
  )

const flag = (name: string, on: boolean): Record<string, boolean> => (on ? { [name]: true } : {})

/**
 * States built around default joins, which the other arbitraries make rarely (a team add of a
 * user without a row in a live open default channel of the same team): one team whose auto-add
 * group `g0` brings users in, and channels of that team that are mostly open default channels,
 * with every mix of Mattermost's constraint, `managed`, town-square, linked groups, admin links,
 * unavailable groups and existing rows.
 */
export function defaultJoinStateArb(): fc.Arbitrary<SyncState> {
  const userIds = ['u0', 'u1', 'u2', 'u3', 'u4']
  const channelIds = ['c0', 'c1', 'c2']
  const groupIds = ['g0', 'g1', 'g2']
  const members = fc.subarray(userIds)
  const role = fc.oneof(
    { arbitrary: fc.constant<SystemRole>('user'), weight: 6 },
    { arbitrary: fc.constant<SystemRole>('admin'), weight: 2 },
    { arbitrary: fc.constant<SystemRole>('guest'), weight: 1 },
  )
  return fc
    .record({
      users: fc.tuple(
        ...userIds.map((id) =>
          fc
            .record({ systemRole: role, isBot: chance(10), deactivated: chance(10) })
            .map((u): User => ({
              id,
              username: `user.${id}`,
              systemRole: u.systemRole,
              ...flag('isBot', u.isBot),
              ...flag('deactivated', u.deactivated),
            })),
        ),
      ),
      groupMembers: fc.tuple(members, members, members),
      unavailable: fc.tuple(chance(10), chance(10)),
      team: fc.record({ groupConstrained: fc.boolean(), managed: chance(30) }),
      teamLinks: fc.record({
        joinAdmin: fc.boolean(),
        second: chance(50),
        secondAdmin: fc.boolean(),
      }),
      channels: fc.tuple(
        ...channelIds.map((id) =>
          fc
            .record({
              type: fc.oneof(
                { arbitrary: fc.constant<Channel['type']>('O'), weight: 8 },
                { arbitrary: fc.constantFrom<Channel['type']>('P', 'D'), weight: 2 },
              ),
              defaultChannel: chance(80),
              townSquare: chance(30),
              groupConstrained: fc.boolean(),
              managed: chance(30),
              deleted: chance(10),
            })
            .map((c): Channel => ({
              id,
              teamId: 't0',
              name: c.townSquare ? 'town-square' : `chan-${id}`,
              type: c.type,
              groupConstrained: c.groupConstrained,
              ...flag('managed', c.managed),
              ...flag('defaultChannel', c.defaultChannel),
              ...flag('deleted', c.deleted),
            })),
        ),
      ),
      channelLinks: fc.tuple(
        ...channelIds.flatMap((channelId) =>
          groupIds.map((groupId) =>
            fc
              .record({
                linked: chance(40),
                autoAdd: chance(40),
                schemeAdmin: chance(50),
                deleted: chance(10),
              })
              .map((l): GroupLink | undefined =>
                l.linked
                  ? {
                      groupId,
                      syncable: { kind: 'channel', id: channelId },
                      autoAdd: l.autoAdd,
                      schemeAdmin: l.schemeAdmin,
                      ...flag('deleted', l.deleted),
                    }
                  : undefined,
              ),
          ),
        ),
      ),
      teamRows: fc.tuple(
        ...userIds.map((userId) =>
          fc.record({ row: chance(30), admin: fc.boolean(), deleted: chance(30) }).map((r) => ({
            userId,
            ...r,
          })),
        ),
      ),
      channelRows: fc.tuple(
        ...channelIds.flatMap((channelId) =>
          userIds.map((userId) =>
            fc
              .record({ row: chance(30), admin: fc.boolean(), past: chance(15) })
              .map((r) => ({ channelId, userId, ...r })),
          ),
        ),
      ),
    })
    .map((x): SyncState => {
      const guest = (userId: string) =>
        x.users.some((u) => u.id === userId && u.systemRole === 'guest')
      const teamMembers = x.teamRows
        .filter((r) => r.row)
        .map((r): TeamMember => ({
          teamId: 't0',
          userId: r.userId,
          schemeAdmin: r.admin,
          schemeGuest: guest(r.userId),
          ...flag('deleted', r.deleted),
        }))
      const channelMembers = x.channelRows
        .filter((r) => r.row)
        .map((r): ChannelMember => ({
          channelId: r.channelId,
          userId: r.userId,
          schemeAdmin: r.admin,
          schemeGuest: guest(r.userId),
        }))
      const channelHistory = x.channelRows
        .filter((r) => r.row || r.past)
        .map((r): ChannelHistory => ({ channelId: r.channelId, userId: r.userId }))
      const teamRef = { kind: 'team' as const, id: 't0' }
      return {
        users: x.users,
        groups: groupIds.map((id, i) => ({
          id,
          name: `mm_${id}`,
          memberIds: x.groupMembers[i] ?? [],
          ...(i > 0 && x.unavailable[i - 1] === true ? { status: 'unavailable' as const } : {}),
        })),
        teams: [
          {
            id: 't0',
            name: 'team-t0',
            groupConstrained: x.team.groupConstrained,
            ...flag('managed', x.team.managed),
          },
        ],
        channels: x.channels,
        links: [
          { groupId: 'g0', syncable: teamRef, autoAdd: true, schemeAdmin: x.teamLinks.joinAdmin },
          ...(x.teamLinks.second
            ? [
                {
                  groupId: 'g1',
                  syncable: teamRef,
                  autoAdd: false,
                  schemeAdmin: x.teamLinks.secondAdmin,
                },
              ]
            : []),
          ...x.channelLinks.filter((l): l is GroupLink => l !== undefined),
        ],
        teamMembers,
        channelMembers,
        channelHistory,
      }
    })
}
