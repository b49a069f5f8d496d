import { emptyState, normalizeState, planSync, type SyncState } from '@grouproles/core'
import { syncStateArb } from '@grouproles/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadSyncState, maxIdsPerRead, perPage, toSystemRole } from '../src/index.js'
import type { FakeMattermost } from './fake-mattermost/fake-mattermost.js'
import { clientFor, seededRandom, toApiState, useFake } from './harness.js'
import { fuzzBodyTextArb } from './mutate-json.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const team = id('t', 1)
const channel = id('c', 1)

/** One team whose `members` users are all in one open channel, plus `others` users in neither. */
function bigChannelState(members: number, others = 0): SyncState {
  const users = Array.from({ length: members + others }, (_, n) => ({
    id: id('u', n),
    username: `user${n}`,
    systemRole: 'user' as const,
  }))
  const inTeam = users.slice(0, members)
  return {
    ...emptyState,
    users,
    groups: [{ id: id('g', 1), name: 'big', memberIds: inTeam.map((u) => u.id) }],
    teams: [{ id: team, name: 'team', groupConstrained: false }],
    channels: [{ id: channel, teamId: team, name: 'chan', type: 'O', groupConstrained: false }],
    links: [
      {
        groupId: id('g', 1),
        syncable: { kind: 'channel', id: channel },
        autoAdd: true,
        schemeAdmin: false,
      },
    ],
    teamMembers: inTeam.map((u) => ({
      teamId: team,
      userId: u.id,
      schemeAdmin: false,
      schemeGuest: false,
    })),
    channelMembers: inTeam.map((u, n) => ({
      channelId: channel,
      userId: u.id,
      schemeAdmin: n % 7 === 0,
      schemeGuest: false,
    })),
  }
}

/** Pages a listing of `rows` needs at the least. */
const pages = (rows: number): number => Math.max(1, Math.ceil(rows / perPage))

/** The user ids every `POST /channels/{id}/members/ids` of the run asked for. */
function idsReadBack(fake: FakeMattermost): string[] {
  return fake.requests
    .filter((r) => r.operationId === 'GetChannelMembersByIds')
    .flatMap((r) => r.body as string[])
}

describe('loadSyncState', () => {
  const { fake } = useFake()

  it('should read users, every channel of the teams, groups, links and members', async () => {
    // Arrange: c2 is linked to no group, c3 is archived, t2 is archived, c4 is the team's town-square.
    const [t1, t2] = [id('t', 1), id('t', 2)]
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
      teams: [
        { id: t1, name: 'eng', groupConstrained: true },
        { id: t2, name: 'old', groupConstrained: false, deleted: true },
      ],
      channels: [
        { id: id('c', 1), teamId: t1, name: 'ops', type: 'P', groupConstrained: false },
        { id: id('c', 2), teamId: t1, name: 'lunch', type: 'O', groupConstrained: false },
        {
          id: id('c', 3),
          teamId: t1,
          name: 'gone',
          type: 'P',
          groupConstrained: true,
          deleted: true,
        },
        {
          id: id('c', 4),
          teamId: t1,
          name: 'town-square',
          type: 'O',
          groupConstrained: false,
          defaultChannel: true,
        },
      ],
      links: [
        {
          groupId: id('g', 1),
          syncable: { kind: 'team', id: t1 },
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
        { teamId: t1, userId: id('u', 1), schemeAdmin: true, schemeGuest: false },
        { teamId: t2, userId: id('u', 2), schemeAdmin: false, schemeGuest: false },
      ],
      channelMembers: [
        { channelId: id('c', 1), userId: id('u', 3), schemeAdmin: false, schemeGuest: true },
        { channelId: id('c', 2), userId: id('u', 1), schemeAdmin: false, schemeGuest: false },
        { channelId: id('c', 3), userId: id('u', 1), schemeAdmin: true, schemeGuest: false },
      ],
      // The loader infers a history row for each current channel member.
      channelHistory: [
        { channelId: id('c', 1), userId: id('u', 3) },
        { channelId: id('c', 2), userId: id('u', 1) },
        { channelId: id('c', 3), userId: id('u', 1) },
      ],
    }
    fake().seed(state)

    // Act
    const loaded = await loadSyncState(clientFor(fake()))

    // Assert: each group's active members come in one request, as ids; deactivated gus, whom
    // the group routes leave out, has a channel row, so his groups are read by user.
    expect(loaded.map(normalizeState)._unsafeUnwrap()).toEqual(normalizeState(state))
    expect(fake().count('GetGroup')).toBe(1)
    expect(fake().count('GetGroupUsers')).toBe(0)
    expect(
      fake()
        .requests.filter((r) => r.operationId === 'GetGroupsByUserId')
        .map((r) => r.path),
    ).toEqual([`/api/v4/users/${id('u', 3)}/groups`])
    expect(fake().count('GetAllChannels')).toBe(1)
    expect(fake().count('GetChannel')).toBe(0)
  })

  it('should read every member of a multi-page channel despite unordered pages, re-reading only team members by id', async () => {
    // Arrange: 650 members in a team of 650; 2000 other users are in no team.
    const state = bigChannelState(650, 2000)
    fake().seed(state)

    // Act
    const loaded = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()

    // Assert
    expect(normalizeState(loaded).channelMembers).toEqual(normalizeState(state).channelMembers)
    const teamIds = new Set(state.teamMembers.map((m) => m.userId))
    const asked = idsReadBack(fake())
    expect(asked.every((u) => teamIds.has(u))).toBe(true)
    expect(new Set(asked).size).toBe(asked.length)
    expect(fake().count('GetChannelMembersByIds')).toBeLessThanOrEqual(1)
    expect(
      fake().requests.some(
        (r) => r.query['per_page'] !== undefined && r.query['per_page'] !== '200',
      ),
    ).toBe(false)
  })

  it('should find members without a team row too, through the stable users listing of the channel', async () => {
    // Arrange: 30 of 450 channel members have no team row (Mattermost's group sync can do that).
    const state = bigChannelState(450)
    const outsiders = new Set(state.users.filter((_, n) => n % 15 === 7).map((u) => u.id))
    fake().seed({
      ...state,
      teamMembers: state.teamMembers.filter((m) => !outsiders.has(m.userId)),
    })
    let seed = 11
    fake().random = () => (seed = (seed * 48271) % 2147483647) / 2147483647

    // Act
    const loaded = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()

    // Assert
    expect(normalizeState(loaded).channelMembers).toEqual(normalizeState(state).channelMembers)
    const listedUsers = fake().requests.filter(
      (r) => r.operationId === 'GetUsers' && r.query['in_channel'] === channel,
    )
    expect(listedUsers.length).toBeGreaterThan(0)
    expect(listedUsers.length).toBeLessThanOrEqual(pages(450))
    expect(fake().count('GetChannelMembersByIds')).toBeLessThanOrEqual(2)
  })

  it('should page a channel with stable pages in the fewest requests and read nothing back by id', async () => {
    fake().configure({ memberPages: 'stable' })
    fake().seed(bigChannelState(650, 10))

    const loaded = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()

    expect(loaded.channelMembers).toHaveLength(650)
    expect(fake().count('GetChannelMembers')).toBe(pages(650))
    expect(fake().count('GetChannelMembersByIds')).toBe(0)
  })

  it('should stay correct and bounded when members join while the channel is read', async () => {
    // Arrange: 3 users join the team and the channel just before the 2nd page is served.
    const state = bigChannelState(500, 40)
    fake().seed(state)
    const joiners = state.users.slice(500, 503).map((u) => u.id)
    let served = 0
    fake().onRequest = (r) => {
      if (r.operationId !== 'GetChannelMembers' || ++served !== 2) return
      for (const u of joiners) {
        fake().addTeamMember(team, u)
        fake().addChannelMember(channel, u)
      }
    }

    // Act
    const loaded = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()

    // Assert: everyone who was a member throughout is read, and nobody who never was.
    const read = new Set(loaded.channelMembers.map((m) => m.userId))
    for (const m of state.channelMembers) expect(read.has(m.userId)).toBe(true)
    const possible = new Set([...state.channelMembers.map((m) => m.userId), ...joiners])
    expect([...read].every((u) => possible.has(u))).toBe(true)
    expect(fake().count('GetChannelMembers')).toBeLessThanOrEqual(pages(503) + 1)
    expect(fake().count('GetChannelMembersByIds')).toBeLessThanOrEqual(
      Math.ceil(503 / maxIdsPerRead),
    )
  })

  it('should always read a disturbed channel correctly, with requests bounded by its pages and its team', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 150, max: 700 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('shuffled' as const, 'stable' as const),
        fc.integer(),
        async (members, joining, atRequest, order, seed) => {
          const state = bigChannelState(members, joining)
          fake().seed(state)
          fake().configure({ memberPages: order })
          fake().random = seededRandom(seed)
          const joiners = state.users.slice(members).map((u) => u.id)
          let served = 0
          fake().onRequest = (r) => {
            if (r.operationId !== 'GetChannelMembers' || ++served !== atRequest) return
            for (const u of joiners) {
              fake().addTeamMember(team, u)
              fake().addChannelMember(channel, u)
            }
          }
          fake().requests.length = 0
          fake().counts.clear()

          const loaded = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()

          const read = new Set(loaded.channelMembers.map((m) => m.userId))
          expect(state.channelMembers.every((m) => read.has(m.userId))).toBe(true)
          const possible = new Set([...state.channelMembers.map((m) => m.userId), ...joiners])
          expect([...read].every((u) => possible.has(u))).toBe(true)
          expect(read.size).toBe(loaded.channelMembers.length)
          expect(fake().count('GetChannelMembers')).toBeLessThanOrEqual(
            pages(members + joining) + 1,
          )
          expect(idsReadBack(fake()).length).toBeLessThanOrEqual(members + joining)
        },
      ),
      { numRuns: 25 },
    )
  }, 120_000)

  it('should read only the teams in scope, by id or by name, and their channels', async () => {
    const state = bigChannelState(3)
    fake().seed({
      ...state,
      teams: [
        ...state.teams,
        { id: id('t', 2), name: 'other', groupConstrained: false },
        { id: id('t', 3), name: 'third', groupConstrained: false },
      ],
    })

    const byId = (await loadSyncState(clientFor(fake()), { teamIds: [id('t', 2)] }))._unsafeUnwrap()
    const byName = (
      await loadSyncState(clientFor(fake()), { teamNames: ['team', 'third'] })
    )._unsafeUnwrap()
    const both = (
      await loadSyncState(clientFor(fake()), { teamIds: [id('t', 2)], teamNames: ['team'] })
    )._unsafeUnwrap()

    expect(byId.teams.map((t) => t.id)).toEqual([id('t', 2)])
    expect([byId.channels, byId.teamMembers]).toEqual([[], []])
    expect(byName.teams.map((t) => t.name).sort()).toEqual(['team', 'third'])
    expect(byName.channels.map((c) => c.id)).toEqual([channel])
    expect(both.teams.map((t) => t.name).sort()).toEqual(['other', 'team'])
  })

  it('should refuse a team name no team has, reading no members', async () => {
    fake().seed(bigChannelState(3))

    const loaded = await loadSyncState(clientFor(fake()), { teamNames: ['team', 'nope', 'gone'] })

    expect(loaded._unsafeUnwrapErr()).toMatchObject({
      kind: 'unknownTeam',
      names: ['nope', 'gone'],
    })
    expect(fake().count('GetTeamMembers') + fake().count('GetChannelMembers')).toBe(0)
  })

  it.each(['team', 'noLdapGroups'] as const)(
    'should read no groups, and not fail, when the server runs as %s',
    async (edition) => {
      fake().configure({ edition })
      const state = bigChannelState(3)
      fake().seed(state)

      const loaded = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()

      expect([loaded.groups, loaded.links]).toEqual([[], []])
      expect(loaded.channelMembers).toHaveLength(3)
      const groupReads = fake().requests.filter((r) => r.path.startsWith('/api/v4/groups'))
      expect(groupReads).toHaveLength(1)
    },
  )

  it("should never touch a group route with groups: 'none'", async () => {
    fake().seed(bigChannelState(3))

    const loaded = (await loadSyncState(clientFor(fake()), { groups: 'none' }))._unsafeUnwrap()

    expect([loaded.groups, loaded.links]).toEqual([[], []])
    expect(fake().requests.filter((r) => r.operationId?.includes('Group') === true)).toEqual([])
  })

  it('should fail, typed, when the group list fails for another reason', async () => {
    fake().seed(bigChannelState(3))
    fake().failNext(
      { kind: 'serverError', status: 500 },
      10,
      (_, path) => path === '/api/v4/groups',
    )

    const loaded = await loadSyncState(clientFor(fake(), { maxAttempts: 2 }))

    expect(loaded._unsafeUnwrapErr()).toMatchObject({ kind: 'http', status: 500 })
  })

  it('should list each team in scope when the token may not list every channel', async () => {
    // Arrange: c2 is private, c3 archived open, c4 archived private (the caller is not in it).
    fake().configure({ caller: { ...fake().settings.caller, readAllChannels: false } })
    const base = bigChannelState(2)
    const extra = [
      {
        id: id('c', 2),
        teamId: team,
        name: 'private',
        type: 'P' as const,
        groupConstrained: false,
      },
      {
        id: id('c', 3),
        teamId: team,
        name: 'old',
        type: 'O' as const,
        groupConstrained: false,
        deleted: true,
      },
      {
        id: id('c', 4),
        teamId: team,
        name: 'secret',
        type: 'P' as const,
        groupConstrained: false,
        deleted: true,
      },
    ]
    fake().seed({ ...base, channels: [...base.channels, ...extra] })

    const listed = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()
    const withId = (
      await loadSyncState(clientFor(fake()), { channelIds: [id('c', 4)] })
    )._unsafeUnwrap()

    expect(listed.channels.map((c) => c.id).sort()).toEqual([channel, id('c', 2), id('c', 3)])
    expect(withId.channels.map((c) => c.id).sort()).toEqual([
      channel,
      id('c', 2),
      id('c', 3),
      id('c', 4),
    ])
    expect(withId.channels.find((c) => c.id === id('c', 4))?.deleted).toBe(true)
    expect(
      ['GetPublicChannelsForTeam', 'GetPrivateChannelsForTeam', 'GetDeletedChannelsForTeam'].map(
        (op) => fake().count(op as 'GetPublicChannelsForTeam'),
      ),
    ).toEqual([2, 2, 2])
  })

  it('should fail with the 403 when the token may list neither all channels nor private ones', async () => {
    fake().configure({
      caller: { ...fake().settings.caller, readAllChannels: false, manageSystem: false },
    })
    fake().seed(bigChannelState(2))

    const loaded = await loadSyncState(clientFor(fake()))

    expect(loaded._unsafeUnwrapErr()).toMatchObject({
      kind: 'http',
      status: 403,
      path: `/teams/${team}/channels/private`,
    })
  })

  it('should mark the default channels by the names given', async () => {
    const base = bigChannelState(1)
    fake().seed({
      ...base,
      channels: ['town-square', 'off-topic', 'welcome'].map((name, n) => ({
        id: id('c', n + 5),
        teamId: team,
        name,
        type: 'O' as const,
        groupConstrained: false,
      })),
    })

    const byDefault = (await loadSyncState(clientFor(fake())))._unsafeUnwrap()
    const configured = (
      await loadSyncState(clientFor(fake()), { defaultChannelNames: ['town-square', 'welcome'] })
    )._unsafeUnwrap()

    const flagged = (s: SyncState) =>
      s.channels
        .filter((c) => c.defaultChannel === true)
        .map((c) => c.name)
        .sort()
    expect(flagged(byDefault)).toEqual(['off-topic', 'town-square'])
    expect(flagged(configured)).toEqual(['town-square', 'welcome'])
  })

  it('should take channel history from the caller, so a member who left is not planned back', async () => {
    // Arrange: u1 is in an auto-add group of the channel but left it earlier.
    const state = bigChannelState(2)
    const leaver = state.users[1]!.id
    fake().seed({
      ...state,
      channelMembers: state.channelMembers.filter((m) => m.userId !== leaver),
    })
    const history = [{ channelId: channel, userId: leaver }]

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
      fc.asyncProperty(
        syncStateArb(),
        fc.constantFrom('shuffled' as const, 'stable' as const),
        async (generated, order) => {
          fake().seed(generated)
          fake().configure({ memberPages: order })
          const loaded = await loadSyncState(clientFor(fake()))
          expect(loaded.map(normalizeState)._unsafeUnwrap()).toEqual(
            normalizeState(toApiState(generated)),
          )
        },
      ),
      { numRuns: 40 },
    )
  }, 120_000)
})

describe('loadSyncState on broken response bodies', () => {
  const { fake } = useFake()
  // What a read may end with when the server answers nonsense: never network or timeout here.
  const kinds = ['invalidResponse', 'http', 'invalidId', 'readLimit', 'unknownTeam']

  it('should load a state or fail typed when some 2xx bodies are mutated or not JSON, never throw', async () => {
    fake().seed(bigChannelState(3, 1))
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        // The fake's real answers, about one in six broken on its way to the client.
        const fetchFuzzed: typeof globalThis.fetch = async (input, init) => {
          const response = await fetch(input, init)
          const text = await response.text()
          if (!response.ok || text === '' || g(fc.integer, { min: 0, max: 5 }) !== 0)
            return new Response(text, response)
          return new Response(g(fuzzBodyTextArb, JSON.parse(text) as unknown), response)
        }
        const client = clientFor(fake(), { fetch: fetchFuzzed, concurrency: 1, maxAttempts: 1 })
        const loaded = await loadSyncState(client, { limits: { maxRequests: 200 } })
        if (loaded.isOk()) {
          for (const u of loaded.value.users) expect(typeof u.id).toBe('string')
          return
        }
        expect(kinds).toContain(loaded.error.kind)
        expect(loaded.error.message).toMatch(/\S/)
      }),
      { numRuns: 100 },
    )
  }, 60_000)
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
