import { emptyState, type SyncState } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import { FakeMattermost as UncheckedFake, defaultFakeSettings } from '../../src/testing/index.js'
import type { FakeMattermost } from '../fake-mattermost/fake-mattermost.js'
import { useFake } from '../harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const [team, channel, user] = [id('t', 1), id('c', 1), id('u', 1)]
const [townSquare, offTopic, welcome, privateChannel] = [
  id('c', 2),
  id('c', 3),
  id('c', 4),
  id('c', 5),
]
const [guest, newcomer, group] = [id('u', 2), id('u', 3), id('g', 1)]

const state: SyncState = {
  ...emptyState,
  users: [
    { id: user, username: 'ann', systemRole: 'user' },
    { id: guest, username: 'gus', systemRole: 'guest' },
    { id: newcomer, username: 'nia', systemRole: 'user' },
  ],
  teams: [{ id: team, name: 'eng', groupConstrained: false }],
  channels: [
    { id: channel, teamId: team, name: 'ops', type: 'O', groupConstrained: false },
    { id: townSquare, teamId: team, name: 'town-square', type: 'O', groupConstrained: false },
    { id: offTopic, teamId: team, name: 'off-topic', type: 'O', groupConstrained: false },
    { id: welcome, teamId: team, name: 'welcome', type: 'O', groupConstrained: false },
    { id: privateChannel, teamId: team, name: 'off-topic-p', type: 'P', groupConstrained: false },
  ],
  groups: [{ id: group, name: 'devs', memberIds: [user] }],
  links: [
    { groupId: group, syncable: { kind: 'team', id: team }, autoAdd: true, schemeAdmin: false },
  ],
  teamMembers: [
    { teamId: team, userId: user, schemeAdmin: false, schemeGuest: false },
    { teamId: team, userId: guest, schemeAdmin: false, schemeGuest: true },
  ],
  channelMembers: [
    { channelId: channel, userId: user, schemeAdmin: false, schemeGuest: false },
    { channelId: townSquare, userId: user, schemeAdmin: false, schemeGuest: false },
    { channelId: channel, userId: guest, schemeAdmin: false, schemeGuest: true },
  ],
}

async function raw(
  fake: { readonly url: string; readonly token: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${fake.url}/api/v4${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${fake.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
}

const idOf = (rows: unknown): string[] => (rows as { id: string }[]).map((r) => r.id).sort()
const channelsOf = (fake: FakeMattermost, userId: string): string[] =>
  [...fake.channelMembers]
    .filter(([, rows]) => rows.has(userId))
    .map(([cid]) => cid)
    .sort()

describe('FakeMattermost', () => {
  const { fake } = useFake()

  it('should answer a members/ids read that names a user twice with one row', async () => {
    fake().seed(state)

    const response = await raw(fake(), 'POST', `/channels/${channel}/members/ids`, [user, user])

    expect(response.body).toHaveLength(1)
  })

  it('should answer a team members/ids read with active rows only, as the store filters DeleteAt = 0', async () => {
    fake().seed(state)
    await raw(fake(), 'DELETE', `/teams/${team}/members/${guest}`)

    const byIds = await raw(fake(), 'POST', `/teams/${team}/members/ids`, [user, guest, newcomer])
    // The single read still shows the soft-deleted row.
    const single = await raw(fake(), 'GET', `/teams/${team}/members/${guest}`)

    expect((byIds.body as { user_id: string }[]).map((m) => m.user_id)).toEqual([user])
    expect(single.status).toBe(200)
    expect((single.body as { delete_at: number }).delete_at).toBeGreaterThan(0)
  })

  it('should record a violation when an answer lists a member twice', async () => {
    fake().seed(state)

    await raw(fake(), 'POST', `/channels/${channel}/members`, { user_ids: [user, user] })

    const violations = fake().violations.splice(0)
    expect(violations).toEqual([`AddChannelMember: the answer lists ${user} twice`])
  })

  it.each([
    ['both', { 'retry-after': '3', 'x-ratelimit-reset': '3' }],
    ['resetOnly', { 'retry-after': null, 'x-ratelimit-reset': '3' }],
    ['httpDate', { 'retry-after': 'date', 'x-ratelimit-reset': null }],
  ] as const)('should announce a 429 with %s headers', async (headers, expected) => {
    fake().seed(state)
    fake().failNext({ kind: 'rateLimit', retryAfterSeconds: 3, headers })

    const before = Date.now()
    const response = await fetch(`${fake().url}/api/v4/channels/${channel}`, {
      headers: { Authorization: `Bearer ${fake().token}` },
    })

    expect(response.status).toBe(429)
    expect(await response.text()).toBe('limit exceeded')
    const after = response.headers.get('retry-after')
    const reset = response.headers.get('x-ratelimit-reset')
    if (expected['retry-after'] === 'date') {
      // Whole seconds: "in 3 s" is between 2 and 3 s from when the fake answered.
      const wait = Date.parse(after ?? '') - before
      expect(wait > 1_900 && wait <= 3_000 + (Date.now() - before)).toBe(true)
    } else expect(after).toBe(expected['retry-after'])
    expect(reset).toBe(expected['x-ratelimit-reset'])
  })

  describe('editions', () => {
    const groupRoutes: [string, string, unknown?][] = [
      ['GET', '/groups?page=0&per_page=200'],
      ['GET', `/groups/${group}`],
      ['GET', `/groups/${group}/members?page=0&per_page=200`],
      ['GET', `/groups/${group}/teams`],
      ['GET', `/groups/${group}/channels`],
      ['GET', `/groups/${group}/teams/${team}`],
      ['POST', `/groups/${group}/teams/${team}/link`, { auto_add: true }],
      ['PUT', `/groups/${group}/teams/${team}/patch`, { auto_add: true }],
      ['DELETE', `/groups/${group}/channels/${channel}/link`],
      ['GET', `/teams/${team}/groups?page=0&per_page=200`],
      ['GET', `/channels/${channel}/groups?page=0&per_page=200`],
    ]

    it.each([
      ['team', 501, 'api.license_error'],
      ['noLdapGroups', 403, 'api.ldap_groups.license_error'],
    ] as const)(
      'should answer every group route of a %s server with %i %s, and nothing else so',
      async (edition, status, errorId) => {
        fake().seed(state)
        fake().configure({ edition })

        const answers = await Promise.all(
          groupRoutes.map(([method, path, body]) => raw(fake(), method, path, body)),
        )
        const members = await raw(fake(), 'GET', `/teams/${team}/members?page=0&per_page=200`)

        expect(answers.map((a) => [a.status, (a.body as { id: string }).id])).toEqual(
          groupRoutes.map(() => [status, errorId]),
        )
        expect(members.status).toBe(200)
        expect(fake().links.get(`team:${team}:${group}`)?.auto_add).toBe(true)
      },
    )
  })

  describe('group-constrained syncables', () => {
    const constrained: SyncState = {
      ...state,
      teams: [{ id: team, name: 'eng', groupConstrained: true }],
      channels: state.channels.map((c) =>
        c.id === channel ? { ...c, groupConstrained: true } : c,
      ),
      links: [
        ...state.links,
        {
          groupId: group,
          syncable: { kind: 'channel', id: channel },
          autoAdd: true,
          schemeAdmin: false,
        },
      ],
    }

    it('should refuse removals of non-bots and adds of users in none of the groups, with the server ids', async () => {
      fake().seed(constrained)

      const answers = [
        await raw(fake(), 'DELETE', `/teams/${team}/members/${user}`),
        await raw(fake(), 'DELETE', `/channels/${channel}/members/${user}`),
        await raw(fake(), 'POST', `/teams/${team}/members/batch?graceful=true`, [
          { team_id: team, user_id: newcomer },
        ]),
        await raw(fake(), 'POST', `/channels/${channel}/members`, { user_ids: [guest] }),
      ]

      expect(answers.map((a) => [a.status, (a.body as { id: string }).id])).toEqual([
        [400, 'api.team.remove_member.group_constrained.app_error'],
        [400, 'api.channel.remove_member.group_constrained.app_error'],
        [400, 'api.team.add_members.user_denied'],
        [400, 'api.channel.add_members.user_denied'],
      ])
      expect(fake().teamMembers.get(team)?.get(user)?.delete_at).toBe(0)
    })
  })

  describe('channel listings', () => {
    const archived = {
      ...state,
      teams: [
        ...state.teams,
        { id: id('t', 2), name: 'old', groupConstrained: false, deleted: true },
      ],
      channels: [
        ...state.channels,
        {
          id: id('c', 6),
          teamId: team,
          name: 'gone',
          type: 'O' as const,
          groupConstrained: false,
          deleted: true,
        },
        {
          id: id('c', 7),
          teamId: team,
          name: 'secret',
          type: 'P' as const,
          groupConstrained: false,
          deleted: true,
        },
        { id: id('c', 8), teamId: team, name: 'dm', type: 'D' as const, groupConstrained: false },
        {
          id: id('c', 9),
          teamId: id('t', 2),
          name: 'relic',
          type: 'O' as const,
          groupConstrained: false,
        },
      ],
    }

    it('should list a team public, private and archived channels, and all of them for a system reader', async () => {
      fake().seed(archived)

      const publicOnes = await raw(fake(), 'GET', `/teams/${team}/channels?page=0&per_page=200`)
      const privateOnes = await raw(
        fake(),
        'GET',
        `/teams/${team}/channels/private?page=0&per_page=200`,
      )
      const deleted = await raw(
        fake(),
        'GET',
        `/teams/${team}/channels/deleted?page=0&per_page=200`,
      )
      const live = await raw(fake(), 'GET', '/channels?page=0&per_page=200')
      const all = await raw(fake(), 'GET', '/channels?page=0&per_page=200&include_deleted=true')
      const counted = await raw(
        fake(),
        'GET',
        '/channels?page=0&per_page=2&include_total_count=true&exclude_default_channels=true',
      )

      expect(idOf(publicOnes.body)).toEqual([channel, townSquare, offTopic, welcome].sort())
      expect(idOf(privateOnes.body)).toEqual([privateChannel])
      // An archived private channel only for its members.
      expect(idOf(deleted.body)).toEqual([id('c', 6)])
      expect(idOf(live.body)).toEqual(
        [channel, townSquare, offTopic, welcome, privateChannel, id('c', 9)].sort(),
      )
      expect(idOf(all.body)).toEqual(
        [
          channel,
          townSquare,
          offTopic,
          welcome,
          privateChannel,
          id('c', 6),
          id('c', 7),
          id('c', 9),
        ].sort(),
      )
      expect(counted.body).toMatchObject({ total_count: 4 })
      expect((counted.body as { channels: unknown[] }).channels).toHaveLength(2)
      expect((all.body as { team_name: string }[]).map((c) => c.team_name)).toContain('old')
    })

    it('should list archived private channels the caller is a member of', async () => {
      fake().seed({
        ...archived,
        users: [
          ...archived.users,
          { id: defaultFakeSettings.caller.id, username: 'admin', systemRole: 'admin' },
        ],
        channelMembers: [
          ...archived.channelMembers,
          {
            channelId: id('c', 7),
            userId: defaultFakeSettings.caller.id,
            schemeAdmin: true,
            schemeGuest: false,
          },
        ],
      })

      const deleted = await raw(
        fake(),
        'GET',
        `/teams/${team}/channels/deleted?page=0&per_page=200`,
      )

      expect(idOf(deleted.body)).toEqual([id('c', 6), id('c', 7)])
    })

    it('should refuse GET /channels and private listings to a token without the permissions', async () => {
      fake().seed(archived)
      fake().configure({
        caller: { ...fake().settings.caller, readAllChannels: false, manageSystem: false },
      })

      const all = await raw(fake(), 'GET', '/channels?page=0&per_page=200')
      const privateOnes = await raw(
        fake(),
        'GET',
        `/teams/${team}/channels/private?page=0&per_page=200`,
      )

      expect([all.status, privateOnes.status]).toEqual([403, 403])
      expect((all.body as { id: string }).id).toBe('api.context.permissions.app_error')
    })

    it('should list archived teams in GET /teams', async () => {
      fake().seed(archived)

      const teams = await raw(fake(), 'GET', '/teams?page=0&per_page=200')

      expect(
        (teams.body as { id: string; delete_at: number }[]).map((t) => [t.id, t.delete_at > 0]),
      ).toEqual([
        [team, false],
        [id('t', 2), true],
      ])
    })
  })

  describe('default channels', () => {
    it('should join a new non-guest team member to live open town-square and off-topic, with history', async () => {
      fake().seed(state)

      await raw(fake(), 'POST', `/teams/${team}/members/batch?graceful=true`, [
        { team_id: team, user_id: newcomer },
      ])

      expect(channelsOf(fake(), newcomer)).toEqual([townSquare, offTopic].sort())
      expect(fake().channelMembers.get(townSquare)?.get(newcomer)).toEqual({
        scheme_admin: false,
        scheme_guest: false,
        scheme_user: true,
      })
      expect(fake().channelHistory.has(`${offTopic}:${newcomer}`)).toBe(true)
    })

    it('should join the configured channels instead of off-topic, and town-square always', async () => {
      fake().seed(state)
      fake().configure({ defaultChannels: ['welcome'] })

      await raw(fake(), 'POST', `/teams/${team}/members`, { team_id: team, user_id: newcomer })

      expect(channelsOf(fake(), newcomer)).toEqual([townSquare, welcome].sort())
    })

    it('should not default-join a guest, an existing member, or into archived or private channels', async () => {
      fake().seed({
        ...state,
        users: [...state.users, { id: id('u', 4), username: 'gil', systemRole: 'guest' }],
        channels: state.channels.map((c) => (c.id === offTopic ? { ...c, deleted: true } : c)),
      })

      await raw(fake(), 'POST', `/teams/${team}/members/batch?graceful=true`, [
        { team_id: team, user_id: id('u', 4) },
        { team_id: team, user_id: user },
      ])

      expect(channelsOf(fake(), id('u', 4))).toEqual([])
      expect(channelsOf(fake(), user)).toEqual([channel, townSquare].sort())
    })

    it('should default-join a user whose team row is revived', async () => {
      fake().seed({
        ...state,
        teamMembers: [
          ...state.teamMembers,
          { teamId: team, userId: newcomer, schemeAdmin: false, schemeGuest: false, deleted: true },
        ],
      })

      await raw(fake(), 'POST', `/teams/${team}/members`, { team_id: team, user_id: newcomer })

      expect(channelsOf(fake(), newcomer)).toEqual([townSquare, offTopic].sort())
    })
  })

  describe('removals', () => {
    it('should refuse to remove a non-guest from town-square even when they are not in it', async () => {
      fake().seed(state)

      const member = await raw(fake(), 'DELETE', `/channels/${townSquare}/members/${user}`)
      const stranger = await raw(fake(), 'DELETE', `/channels/${townSquare}/members/${newcomer}`)

      expect([member.status, stranger.status]).toEqual([400, 400])
      expect((member.body as { id: string }).id).toBe('api.channel.remove.default.app_error')
      expect(fake().channelMembers.get(townSquare)?.has(user)).toBe(true)
    })

    it('should take a guest out of the team with their last channel of it', async () => {
      fake().seed(state)

      const answer = await raw(fake(), 'DELETE', `/channels/${channel}/members/${guest}`)

      expect(answer.status).toBe(200)
      expect(fake().teamMembers.get(team)?.get(guest)?.delete_at).toBeGreaterThan(0)
    })

    it('should keep a guest in the team while they are in a direct message (a channel of no team)', async () => {
      const dm = id('c', 9)
      fake().seed({
        ...state,
        channels: [
          ...state.channels,
          { id: dm, teamId: '', name: 'dm', type: 'D', groupConstrained: false },
        ],
        channelMembers: [
          ...state.channelMembers,
          { channelId: dm, userId: guest, schemeAdmin: false, schemeGuest: true },
        ],
      })

      const answer = await raw(fake(), 'DELETE', `/channels/${channel}/members/${guest}`)

      expect(answer.status).toBe(200)
      expect(fake().teamMembers.get(team)?.get(guest)?.delete_at).toBe(0)
    })

    it('should refuse a team removal of a user with no team row (400 missing), and repeat one for a left user', async () => {
      fake().seed({
        ...state,
        teamMembers: [
          ...state.teamMembers,
          { teamId: team, userId: newcomer, schemeAdmin: false, schemeGuest: false, deleted: true },
        ],
      })

      const never = await raw(fake(), 'DELETE', `/teams/${team}/members/${id('u', 9)}`)
      const unknownUser = never.status
      fake().seed({
        ...state,
        users: [...state.users, { id: id('u', 9), username: 'x', systemRole: 'user' }],
      })
      const noRow = await raw(fake(), 'DELETE', `/teams/${team}/members/${id('u', 9)}`)
      fake().seed({
        ...state,
        teamMembers: [
          ...state.teamMembers,
          { teamId: team, userId: newcomer, schemeAdmin: false, schemeGuest: false, deleted: true },
        ],
      })
      const left = await raw(fake(), 'DELETE', `/teams/${team}/members/${newcomer}`)
      const active = await raw(fake(), 'DELETE', `/teams/${team}/members/${user}`)

      expect(unknownUser).toBe(404)
      expect([noRow.status, (noRow.body as { id: string }).id]).toEqual([
        400,
        'api.team.remove_user_from_team.missing.app_error',
      ])
      expect([left.status, active.status]).toEqual([200, 200])
      expect(channelsOf(fake(), user)).toEqual([])
    })
  })

  describe('reads', () => {
    const many: SyncState = {
      ...state,
      users: Array.from({ length: 450 }, (_, n) => ({
        id: id('u', 100 + n),
        username: `u${n}`,
        systemRole: 'user' as const,
      })),
      channelMembers: Array.from({ length: 450 }, (_, n) => ({
        channelId: channel,
        userId: id('u', 100 + n),
        schemeAdmin: false,
        schemeGuest: false,
      })),
    }
    const pageOf = async (n: number) =>
      (
        (await raw(fake(), 'GET', `/channels/${channel}/members?page=${n}&per_page=200`)).body as {
          user_id: string
        }[]
      ).map((m) => m.user_id)

    it('should serve channel-member pages in a fresh order per request, or ordered by user id when stable', async () => {
      fake().seed(many)
      let seed = 7
      fake().random = () => (seed = (seed * 48271) % 2147483647) / 2147483647

      const shuffled = [...(await pageOf(0)), ...(await pageOf(1)), ...(await pageOf(2))]
      fake().configure({ memberPages: 'stable' })
      const stable = [...(await pageOf(0)), ...(await pageOf(1)), ...(await pageOf(2))]

      expect(shuffled).toHaveLength(450)
      expect(new Set(shuffled).size).toBeLessThan(450)
      expect(stable).toEqual(many.channelMembers.map((m) => m.userId).sort())
    })

    it('should cap per_page at 200 and fall back to defaults on junk', async () => {
      fake().seed(many)
      fake().configure({ memberPages: 'stable' })
      const count = async (query: string) =>
        ((await raw(fake(), 'GET', `/channels/${channel}/members?${query}`)).body as unknown[])
          .length

      expect([await count('page=0&per_page=500'), await count('page=-1&per_page=-5')]).toEqual([
        200, 60,
      ])
    })

    it('should answer after the configured latency', async () => {
      fake().seed(state)
      fake().configure({ latencyMs: 40 })

      const before = performance.now()
      await raw(fake(), 'GET', `/channels/${channel}`)

      expect(performance.now() - before).toBeGreaterThanOrEqual(35)
    })

    it('should let a hook change the model before a request is handled', async () => {
      fake().seed(state)
      fake().onRequest = (r) => {
        if (r.operationId === 'GetChannelMembers') fake().addChannelMember(welcome, user)
      }

      const members = await raw(fake(), 'GET', `/channels/${welcome}/members?page=0&per_page=200`)

      expect((members.body as { user_id: string }[]).map((m) => m.user_id)).toEqual([user])
    })

    it('should refuse a body over the payload cap', async () => {
      fake().seed(state)
      fake().configure({ maxPayloadBytes: 1_000 })

      const answer = await raw(
        fake(),
        'POST',
        `/users/ids`,
        Array.from({ length: 100 }, (_, n) => id('u', n)),
      )

      expect([answer.status, (answer.body as { id: string }).id]).toEqual([
        400,
        'api.context.invalid_body_param.app_error',
      ])
    })

    it('should tell the site id and URL in the old-format client config', async () => {
      fake().configure({ siteId: 'abcdefghijklmnopqrstuvwxyz', siteUrl: 'https://chat.test/' })

      const config = await raw(fake(), 'GET', '/config/client?format=old')

      expect(config.body).toMatchObject({
        TelemetryId: 'abcdefghijklmnopqrstuvwxyz',
        DiagnosticId: 'abcdefghijklmnopqrstuvwxyz',
        SiteURL: 'https://chat.test',
      })
    })
  })
})

describe('FakeMattermost posts (run summaries)', () => {
  const { fake } = useFake()
  const notMember = (): void => {
    fake().configure({
      caller: { id: newcomer, readAllChannels: false, manageSystem: false },
    })
  }

  it('should find a channel by team and channel name, and 404 a missing one', async () => {
    fake().seed(state)

    const found = await raw(fake(), 'GET', '/teams/name/eng/channels/name/off-topic-p')
    const noChannel = await raw(fake(), 'GET', '/teams/name/eng/channels/name/nope')
    const noTeam = await raw(fake(), 'GET', '/teams/name/ops-team/channels/name/ops')

    expect(found).toMatchObject({ status: 200, body: { id: privateChannel, team_id: team } })
    expect([noChannel.status, noTeam.status]).toEqual([404, 404])
    expect((noChannel.body as { id: string }).id).toBe('app.channel.get_by_name.missing.app_error')
  })

  it('should answer 404 for a private channel the caller cannot read, as for a missing one', async () => {
    fake().seed(state)
    notMember()

    const hidden = await raw(fake(), 'GET', '/teams/name/eng/channels/name/off-topic-p')

    expect(hidden.status).toBe(404)
  })

  it('should store a post by a system admin and answer 201 with the post', async () => {
    fake().seed(state)

    const r = await raw(fake(), 'POST', '/posts', { channel_id: channel, message: 'hello *all*' })

    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ channel_id: channel, message: 'hello *all*', root_id: '' })
    expect(fake().posts).toEqual([
      expect.objectContaining({ channel_id: channel, message: 'hello *all*' }),
    ])
  })

  it('should let a channel member post and refuse a non-member without manage_system (403)', async () => {
    fake().seed(state)
    fake().configure({ caller: { id: user, readAllChannels: false, manageSystem: false } })
    const member = await raw(fake(), 'POST', '/posts', { channel_id: channel, message: 'a' })
    notMember()
    const outsider = await raw(fake(), 'POST', '/posts', { channel_id: channel, message: 'b' })

    expect([member.status, outsider.status]).toEqual([201, 403])
    expect((outsider.body as { id: string }).id).toBe('api.context.permissions.app_error')
    expect(fake().posts.map((p) => p.message)).toEqual(['a'])
  })

  it('should refuse a post to a missing channel (403) or an overlong message (400)', async () => {
    fake().seed(state)

    const missing = await raw(fake(), 'POST', '/posts', { channel_id: id('c', 99), message: 'a' })
    const long = await raw(fake(), 'POST', '/posts', {
      channel_id: channel,
      message: 'x'.repeat(16_384),
    })

    expect([missing.status, long.status]).toEqual([403, 400])
    expect(fake().posts).toEqual([])
    // The overlong message breaks our description's maxLength too: the checked fake says so.
    fake().violations.length = 0
  })
})

describe('FakeMattermost (unchecked, as exported)', () => {
  it('should answer the client config without a format with 501, as the server does', async () => {
    const fake = await UncheckedFake.start()
    try {
      const config = await raw(fake, 'GET', '/config/client')

      expect([config.status, (config.body as { id: string }).id]).toEqual([
        501,
        'api.config.client.old_format.app_error',
      ])
      expect(fake.violations).toEqual([])
    } finally {
      await fake.close()
    }
  })

  it('should seed from a core state and give it back', async () => {
    const fake = await UncheckedFake.start({ settings: { latencyMs: 1 } })
    try {
      fake.seed(state)

      expect(fake.snapshot().channelMembers).toHaveLength(state.channelMembers.length)
      expect(fake.settings.latencyMs).toBe(1)
    } finally {
      await fake.close()
    }
  })
})
