import { emptyState, normalizeState, planSync, type SyncState } from '@grouproles/core'
import { syncStateArb } from '@grouproles/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadSyncState, toSystemRole } from '../src/index.js'
import { clientFor, toApiState, useFake } from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`

function bigChannelState(members: number): SyncState {
  const users = Array.from({ length: members }, (_, n) => ({
    id: id('u', n),
    username: `user${n}`,
    systemRole: 'user' as const,
  }))
  return {
    ...emptyState,
    users,
    groups: [{ id: id('g', 1), name: 'big', memberIds: users.map((u) => u.id) }],
    teams: [{ id: id('t', 1), name: 'team', groupConstrained: false }],
    channels: [
      { id: id('c', 1), teamId: id('t', 1), name: 'chan', type: 'O', groupConstrained: false },
    ],
    links: [
      {
        groupId: id('g', 1),
        syncable: { kind: 'channel', id: id('c', 1) },
        autoAdd: true,
        schemeAdmin: false,
      },
    ],
    teamMembers: users.map((u) => ({
      teamId: id('t', 1),
      userId: u.id,
      schemeAdmin: false,
      schemeGuest: false,
    })),
    channelMembers: users.map((u, n) => ({
      channelId: id('c', 1),
      userId: u.id,
      schemeAdmin: n % 7 === 0,
      schemeGuest: false,
    })),
  }
}

describe('loadSyncState', () => {
  const { fake } = useFake()

  it('should read users, teams, linked channels, groups, links and members', async () => {
    // Arrange
    const state: SyncState = {
      users: [
        {
          id: id('u', 1),
          username: 'ann',
          email: 'ann@x.test',
          authData: 'ann-dn',
          systemRole: 'admin',
        },
        { id: id('u', 2), username: 'bot', systemRole: 'user', isBot: true },
        { id: id('u', 3), username: 'gus', systemRole: 'guest', deactivated: true },
      ],
      groups: [{ id: id('g', 1), name: 'devs', memberIds: [id('u', 1), id('u', 3)] }],
      teams: [{ id: id('t', 1), name: 'eng', groupConstrained: true }],
      channels: [
        { id: id('c', 1), teamId: id('t', 1), name: 'ops', type: 'P', groupConstrained: false },
      ],
      links: [
        {
          groupId: id('g', 1),
          syncable: { kind: 'team', id: id('t', 1) },
          autoAdd: true,
          schemeAdmin: true,
        },
        {
          groupId: id('g', 1),
          syncable: { kind: 'channel', id: id('c', 1) },
          autoAdd: false,
          schemeAdmin: true,
        },
      ],
      teamMembers: [
        { teamId: id('t', 1), userId: id('u', 1), schemeAdmin: true, schemeGuest: false },
      ],
      channelMembers: [
        { channelId: id('c', 1), userId: id('u', 3), schemeAdmin: false, schemeGuest: true },
      ],
      // The loader infers a history row for each current channel member.
      channelHistory: [{ channelId: id('c', 1), userId: id('u', 3) }],
    }
    fake().seed(state)

    // Act
    const loaded = await loadSyncState(clientFor(fake()))

    // Assert
    expect(loaded.map(normalizeState)._unsafeUnwrap()).toEqual(normalizeState(state))
  })

  it('should read every member of a channel with more than 200 members despite unordered pages', async () => {
    const state = bigChannelState(650)
    fake().seed(state)

    const loaded = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()

    expect(normalizeState(loaded).channelMembers).toEqual(normalizeState(state).channelMembers)
    expect(
      fake().requests.some(
        (r) => r.query['per_page'] !== undefined && r.query['per_page'] !== '200',
      ),
    ).toBe(false)
  })

  it('should read only the teams in scope and their channels', async () => {
    const state = bigChannelState(3)
    fake().seed({
      ...state,
      teams: [...state.teams, { id: id('t', 2), name: 'other', groupConstrained: false }],
    })

    const loaded = (
      await loadSyncState(clientFor(fake()), { teamIds: [id('t', 2)] })
    )._unsafeUnwrap()

    expect(loaded.teams.map((t) => t.id)).toEqual([id('t', 2)])
    expect(loaded.channels).toEqual([])
    expect(loaded.teamMembers).toEqual([])
  })

  it('should take channel history from the caller, so a member who left is not planned back', async () => {
    // Arrange: u1 is in an auto-add group of the channel but left it earlier.
    const state = bigChannelState(2)
    const leaver = state.users[1]!.id
    fake().seed({
      ...state,
      channelMembers: state.channelMembers.filter((m) => m.userId !== leaver),
    })
    const history = [{ channelId: id('c', 1), userId: leaver }]

    // Act
    const blind = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()
    const told = (
      await loadSyncState(clientFor(fake()), { channelHistory: history })
    )._unsafeUnwrap()

    // Assert
    expect(planSync(blind).commands.map((c) => [c.kind, c.userId])).toEqual([
      ['addChannelMember', leaver],
    ])
    expect(planSync(told).commands).toEqual([])
  })

  it('should refuse a malformed scope id without sending anything', async () => {
    const loaded = await loadSyncState(clientFor(fake()), { teamIds: ['../etc'] })

    expect(loaded._unsafeUnwrapErr().kind).toBe('invalidId')
    expect(fake().requests).toEqual([])
  })

  it('should always read back exactly what the API can represent', async () => {
    await fc.assert(
      fc.asyncProperty(syncStateArb(), async (generated) => {
        const state = toApiState(generated)
        fake().seed(state)
        const loaded = await loadSyncState(clientFor(fake()), {
          channelIds: state.channels.map((c) => c.id),
        })
        expect(loaded.map(normalizeState)._unsafeUnwrap()).toEqual(normalizeState(state))
      }),
      { numRuns: 40 },
    )
  }, 120_000)
})

describe('toSystemRole', () => {
  it('should map Users.Roles to the core system role', () => {
    expect(
      ['system_user', 'system_guest', 'system_user system_admin', 'system_user custom'].map(
        toSystemRole,
      ),
    ).toEqual(['user', 'guest', 'admin', 'user'])
  })
})
