import { emptyState, type SyncState } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import { createMattermostClient, isMattermostId, MattermostClient } from '../src/index.js'
import { clientFor, useFake } from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const channel = id('c', 1)

function withUsers(n: number): SyncState {
  return {
    ...emptyState,
    users: Array.from({ length: n }, (_, i) => ({
      id: id('u', i),
      username: `u${i}`,
      systemRole: 'user' as const,
    })),
    teams: [{ id: id('t', 1), name: 'eng', groupConstrained: false }],
    channels: [
      { id: channel, teamId: id('t', 1), name: 'ops', type: 'O', groupConstrained: false },
    ],
  }
}

// Every user a member of the one team.
function inTheTeam(state: SyncState): SyncState {
  return {
    ...state,
    teamMembers: state.users.map((u) => ({
      teamId: id('t', 1),
      userId: u.id,
      schemeAdmin: false,
      schemeGuest: false,
    })),
  }
}

describe('MattermostClient', () => {
  const { fake } = useFake()

  it('should page with per_page=200 until a short page', async () => {
    const state = withUsers(450)
    fake().seed(inTheTeam(state))

    const members = await clientFor(fake()).listTeamMembers(id('t', 1))

    expect(members._unsafeUnwrap()).toHaveLength(450)
    expect(fake().requests.map((r) => [r.query['page'], r.query['per_page']])).toEqual([
      ['0', '200'],
      ['1', '200'],
      ['2', '200'],
    ])
  })

  it('should read page 0 alone, then keep a window of pages in flight until a short page', async () => {
    fake().seed(withUsers(1_450))
    fake().configure({ latencyMs: 5 })
    fake().maxInFlight = 0

    const users = await clientFor(fake(), { concurrency: 3 }).listUsers()

    expect(users._unsafeUnwrap()).toHaveLength(1_450)
    const pagesAsked = fake().requests.map((r) => Number(r.query['page']))
    expect(pagesAsked[0]).toBe(0)
    expect(fake().requests[1]!.at).toBeGreaterThanOrEqual(fake().requests[0]!.at + 5)
    expect(new Set(pagesAsked)).toEqual(new Set(pagesAsked.map((_, i) => i)))
    // Pages 0..7 hold the users; at most concurrency - 1 past the end are sent.
    expect(pagesAsked.length).toBeGreaterThanOrEqual(8)
    expect(pagesAsked.length).toBeLessThanOrEqual(8 + 2)
    expect(fake().maxInFlight).toBeLessThanOrEqual(3)
    expect(fake().requests.every((r) => r.query['per_page'] === '200')).toBe(true)
  })

  it('should read one page only for a list that fits in it', async () => {
    fake().seed(withUsers(199))

    const users = await clientFor(fake()).listUsers()

    expect(users._unsafeUnwrap()).toHaveLength(199)
    expect(fake().requests).toHaveLength(1)
  })

  it('should send the token as a bearer header and never put it in errors or JSON', async () => {
    fake().seed(withUsers(1))
    const wrong = createMattermostClient({
      url: fake().url,
      token: 'secret-token-123',
      maxAttempts: 1,
    })

    const result = await wrong.listUsers()

    expect(fake().requests[0]?.authorization).toBe('Bearer secret-token-123')
    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'http',
      status: 401,
      errorId: 'api.context.session_expired.app_error',
    })
    expect(JSON.stringify(result._unsafeUnwrapErr())).not.toContain('secret-token-123')
    expect(JSON.stringify(wrong)).not.toContain('secret-token-123')
  })

  it('should map an AppError to status, error id, method and path', async () => {
    fake().seed(withUsers(1))

    const result = await clientFor(fake()).getChannel(id('c', 9))

    expect(result._unsafeUnwrapErr()).toEqual({
      kind: 'http',
      status: 404,
      errorId: 'app.channel.get.existing.app_error',
      message: 'app.channel.get.existing.app_error',
      method: 'GET',
      path: `/channels/${id('c', 9)}`,
    })
  })

  it('should refuse malformed ids and oversized batches before sending anything', async () => {
    const client = clientFor(fake())

    const results = await Promise.all([
      client.getChannel('../../users/me'),
      client.removeTeamMember(id('t', 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      client.addTeamMembers(
        id('t', 1),
        Array.from({ length: 257 }, (_, i) => id('u', i)),
      ),
      client.addChannelMembers(channel, []),
    ])

    expect(results.map((r) => r._unsafeUnwrapErr().kind)).toEqual([
      'invalidId',
      'invalidId',
      'invalidArgument',
      'invalidArgument',
    ])
    expect(fake().requests).toEqual([])
  })

  it('should honour Retry-After on 429', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'rateLimit', retryAfterSeconds: 1 })
    const started = Date.now()

    const result = await clientFor(fake(), { maxDelayMs: 5_000 }).getChannel(channel)

    expect(result.isOk()).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('should retry 5xx and connection resets, then succeed', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'serverError', status: 500 })
    fake().failNext({ kind: 'reset' })
    fake().failNext({ kind: 'serverError', status: 503 })

    const result = await clientFor(fake()).getChannel(channel)

    expect(result._unsafeUnwrap().id).toBe(channel)
    expect(fake().requests).toHaveLength(4)
  })

  it('should post once: a 5xx or a reset after a post is not retried (it may have been written)', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'serverError', status: 500 })
    fake().failNext({ kind: 'resetAfterApply' })

    const first = await clientFor(fake()).createPost(channel, 'a')
    const second = await clientFor(fake()).createPost(channel, 'b')

    expect(first._unsafeUnwrapErr()).toMatchObject({ kind: 'http', status: 500 })
    expect(second._unsafeUnwrapErr().kind).toBe('network')
    expect(fake().requests).toHaveLength(2)
    // The reset came after the write: the post is there once, never twice.
    expect(fake().posts.map((p) => p.message)).toEqual(['b'])
  })

  it('should retry a post after a 429 (the server refused it before writing)', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'rateLimit' })

    const posted = await clientFor(fake()).createPost(channel, 'a')

    expect(posted.isOk()).toBe(true)
    expect(fake().posts).toHaveLength(1)
  })

  it('should refuse a team or channel name the router would not route, sending nothing', async () => {
    const result = await clientFor(fake()).getChannelByNames('eng', '../users')

    expect(result._unsafeUnwrapErr().kind).toBe('invalidArgument')
    expect(fake().requests).toEqual([])
  })

  it('should give up after maxAttempts with a typed rateLimited error', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'rateLimit' }, 3)

    const result = await clientFor(fake(), { maxAttempts: 3 }).getChannel(channel)

    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'rateLimited',
      status: 429,
      retryAfterMs: 0,
      method: 'GET',
      path: `/channels/${channel}`,
    })
    expect(fake().requests).toHaveLength(3)
  })

  it('should start the retry budget at the first attempt, not while the request is queued', async () => {
    // Arrange: one request at a time; the last of 10 waits ~1.35 s in the queue, longer than the
    // whole budget, and then meets a 429.
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'slow', delayMs: 150 }, 9)
    fake().failNext({ kind: 'rateLimit' })
    const client = clientFor(fake(), { concurrency: 1, maxRetryTimeMs: 800 })

    // Act
    const results = await Promise.all(Array.from({ length: 10 }, () => client.getChannel(channel)))

    // Assert
    expect(results.map((r) => r.isOk())).toEqual(Array.from({ length: 10 }, () => true))
    expect(fake().requests).toHaveLength(11)
  })

  it('should pause every queued request of the client until the reset after a 429', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'rateLimit', retryAfterSeconds: 1 })
    const client = clientFor(fake(), { concurrency: 1, maxDelayMs: 20 })

    const results = await Promise.all(Array.from({ length: 4 }, () => client.getChannel(channel)))

    expect(results.every((r) => r.isOk())).toBe(true)
    const [limited, ...rest] = fake().requests
    expect(rest).toHaveLength(4)
    // Without the pause the second request goes out as soon as the first one's slot is free.
    expect(rest.map((r) => r.at - (limited?.at ?? 0) >= 950)).toEqual([true, true, true, true])
  })

  it('should honour an X-RateLimit-Reset without Retry-After', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'rateLimit', retryAfterSeconds: 1, headers: 'resetOnly' })
    const started = Date.now()

    const result = await clientFor(fake()).getChannel(channel)

    expect(result.isOk()).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('should honour a Retry-After given as an HTTP date', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'rateLimit', retryAfterSeconds: 2, headers: 'httpDate' })
    const started = Date.now()

    const result = await clientFor(fake()).getChannel(channel)

    expect(result.isOk()).toBe(true)
    // The date has whole seconds, so "in 2 s" means 1 to 2 s from now.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
  })

  it('should read an X-RateLimit-Reset that can only be a Unix time as one', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 1
    const replies = [
      new Response('limit exceeded', {
        status: 429,
        headers: { 'X-RateLimit-Reset': String(reset) },
      }),
      new Response(JSON.stringify({ status: 'OK' }), { status: 200 }),
    ]
    const fetchStub: typeof fetch = () =>
      Promise.resolve(replies.shift() ?? new Response('', { status: 500 }))
    const client = new MattermostClient({ url: 'https://mm.test', token: 't', fetch: fetchStub })
    const started = Date.now()

    const result = await client.removeChannelMember(channel, id('u', 1))

    // Read as seconds from now it would be a wait of ~56 years, past any budget.
    expect(result.isErr() ? result.error : 'ok').toBe('ok')
    expect(Date.now() - started).toBeGreaterThanOrEqual(reset * 1000 - started - 50)
  })

  it('should fail as rateLimited, without waiting, when the reset is past the retry budget', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'rateLimit', retryAfterSeconds: 30 })
    const client = clientFor(fake(), { concurrency: 1, maxRetryTimeMs: 1_000 })
    const started = Date.now()

    const results = await Promise.all([client.getChannel(channel), client.getChannel(channel)])

    expect(Date.now() - started).toBeLessThan(900)
    expect(results.map((r) => r._unsafeUnwrapErr())).toMatchObject([
      { kind: 'rateLimited', status: 429, retryAfterMs: 30_000 },
      { kind: 'rateLimited', status: 429 },
    ])
    // The queued request is not sent into a limit it knows about.
    expect(fake().requests).toHaveLength(1)
  })

  it('should stop retrying when the retry time budget is spent', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'serverError' }, 50)

    const result = await clientFor(fake(), {
      maxAttempts: 50,
      baseDelayMs: 20,
      maxDelayMs: 20,
      maxRetryTimeMs: 100,
    }).getChannel(channel)

    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'http', status: 503 })
    // Full jitter can make a step almost 0 ms, so the count of attempts is not the bound: the time
    // is (no attempt starts past the budget, and the 50 allowed are not all used).
    const at = fake().requests.map((r) => r.at)
    expect(at.length).toBeLessThan(50)
    expect(at.at(-1)! - at[0]!).toBeLessThanOrEqual(100 + 50)
  })

  it('should time out a slow reply', async () => {
    fake().seed(withUsers(1))
    fake().failNext({ kind: 'slow', delayMs: 1_000 })

    const result = await clientFor(fake(), { timeoutMs: 100, maxAttempts: 1 }).getChannel(channel)

    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'timeout',
      timeoutMs: 100,
      method: 'GET',
    })
  })

  it('should report a refused connection as a network error', async () => {
    const client = createMattermostClient({
      url: 'http://127.0.0.1:9',
      token: 't',
      maxAttempts: 2,
      baseDelayMs: 1,
    })

    const result = await client.getChannel(channel)

    expect(result._unsafeUnwrapErr().kind).toBe('network')
  })

  it('should keep at most `concurrency` requests in flight', async () => {
    fake().seed(withUsers(1))
    fake().maxInFlight = 0
    for (let i = 0; i < 12; i++) fake().failNext({ kind: 'slow', delayMs: 30 })
    const client = clientFor(fake(), { concurrency: 3 })

    await Promise.all(Array.from({ length: 12 }, () => client.getChannel(channel)))

    expect(fake().maxInFlight).toBe(3)
  })

  it('should keep at most `writeConcurrency` writes in flight, reads filling the other slots', async () => {
    const state = withUsers(12)
    fake().seed(inTheTeam(state))
    fake().configure({ latencyMs: 30 })
    const client = clientFor(fake(), { concurrency: 6, writeConcurrency: 2 })
    let writing = 0
    let mostWriting = 0
    const write = (userId: string) => {
      writing++
      mostWriting = Math.max(mostWriting, writing)
      return client.updateTeamMemberSchemeAdmin(id('t', 1), userId, true).map(() => {
        writing--
      })
    }
    fake().maxInFlight = 0

    const results = await Promise.all([
      ...state.users.slice(0, 8).map((u) => write(u.id)),
      ...Array.from({ length: 8 }, () => client.getChannel(channel)),
      client.getTeamMembersByIds(id('t', 1), [state.users[0]!.id]),
    ])

    expect(results.every((r) => r.isOk())).toBe(true)
    // At most 2 writes and 6 requests in all were at the server at once; reads were not held
    // behind the writes (the fake saw more than 2 at once).
    const sent = fake().requests
    const overlapping = (at: number, kind: 'PUT' | 'all') =>
      sent.filter((r) => (kind === 'all' || r.method === kind) && r.at <= at && at < r.at + 30)
        .length
    expect(Math.max(...sent.map((r) => overlapping(r.at, 'PUT')))).toBeLessThanOrEqual(2)
    expect(fake().maxInFlight).toBeGreaterThan(2)
    expect(fake().maxInFlight).toBeLessThanOrEqual(6)
    expect(mostWriting).toBe(8)
  })

  it('should scrub the token from error bodies and causes that echo it', async () => {
    const token = 'echoed-secret-77'
    const replies: (() => Promise<Response>)[] = [
      () =>
        Promise.resolve(
          new Response(JSON.stringify({ id: 'x.bad', message: `bad header: Bearer ${token}` }), {
            status: 400,
            headers: { 'Content-Type': 'application/json' },
          }),
        ),
      () =>
        Promise.resolve(new Response(`proxy saw Authorization: Bearer ${token}`, { status: 403 })),
      () => Promise.reject(new Error(`socket closed while sending Bearer ${token}`)),
    ]
    const fetchStub: typeof fetch = () => (replies.shift() ?? replies[0]!)()
    const client = new MattermostClient({
      url: 'https://mm.test',
      token,
      fetch: fetchStub,
      maxAttempts: 1,
    })

    const errors = [
      (await client.getChannel(channel))._unsafeUnwrapErr(),
      (await client.getChannel(channel))._unsafeUnwrapErr(),
      (await client.getChannel(channel))._unsafeUnwrapErr(),
    ]

    expect(errors.map((e) => e.kind)).toEqual(['http', 'http', 'network'])
    const text = JSON.stringify(errors)
    expect(text).not.toContain(token)
    expect(text.match(/\[redacted\]/g)).toHaveLength(4)
  })

  it('should reject a non-JSON success body as invalidResponse', async () => {
    const fetchStub: typeof fetch = () => Promise.resolve(new Response('<html>', { status: 200 }))
    const client = new MattermostClient({ url: 'https://mm.test', token: 't', fetch: fetchStub })

    const result = await client.getChannel(channel)

    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'invalidResponse',
      path: `/channels/${channel}`,
    })
  })
})

describe('MattermostClient.listGroupMemberIds', () => {
  const { fake } = useFake()
  const group = id('g', 1)

  // 450 users in the group, the last one deactivated (the group routes list active users only).
  function seeded(members: number): void {
    const state = withUsers(450)
    fake().seed({
      ...state,
      users: state.users.map((u, i) => (i === 449 ? { ...u, deactivated: true } : u)),
      groups: [
        { id: group, name: 'devs', memberIds: state.users.slice(0, members).map((u) => u.id) },
      ],
    })
  }

  it('should read the ids of the active members in one request', async () => {
    seeded(450)

    const ids = await clientFor(fake()).listGroupMemberIds(group)

    expect(ids._unsafeUnwrap()).toHaveLength(449)
    expect(fake().requests.map((r) => r.operationId)).toEqual(['GetGroup'])
  })

  it('should take null ids with a count of 0 as an empty group, reading no members', async () => {
    seeded(0)

    const ids = await clientFor(fake()).listGroupMemberIds(group)

    expect(ids._unsafeUnwrap()).toEqual([])
    expect(fake().requests.map((r) => r.operationId)).toEqual(['GetGroup'])
  })

  it('should page the members when the server sends no ids (a server without the parameter)', async () => {
    seeded(450)
    // An older server ignores include_member_ids: the group comes back without the field.
    const oldServer: typeof fetch = async (input, init) => {
      const answer = await fetch(input, init)
      const url = new URL(input instanceof Request ? input.url : input)
      if (!/\/groups\/[a-z0-9]{26}$/.test(url.pathname)) return answer
      const group = (await answer.json()) as Record<string, unknown>
      delete group['member_ids']
      return new Response(JSON.stringify(group), { status: answer.status, headers: answer.headers })
    }

    const ids = await clientFor(fake(), { fetch: oldServer }).listGroupMemberIds(group)

    expect(new Set(ids._unsafeUnwrap())).toEqual(
      new Set(Array.from({ length: 449 }, (_, i) => id('u', i))),
    )
    expect(fake().requests.map((r) => r.operationId)).toEqual([
      'GetGroup',
      'GetGroupUsers',
      'GetGroupUsers',
      'GetGroupUsers',
    ])
  })

  it('should page the members when the ids exceed the body limit', async () => {
    // 3,000 ids (~87 KB) do not fit in 80 KB; a page of 200 users (~77 KB) does.
    const state = withUsers(3_000)
    fake().seed({
      ...state,
      groups: [{ id: group, name: 'big', memberIds: state.users.map((u) => u.id) }],
    })

    const ids = await clientFor(fake(), { maxBodyBytes: 80_000 }).listGroupMemberIds(group)

    expect(ids._unsafeUnwrap()).toHaveLength(3_000)
    expect(fake().count('GetGroup')).toBe(1)
    expect(fake().count('GetGroupUsers')).toBe(16)
  })
})

describe('isMattermostId', () => {
  it('should accept exactly 26 characters of [a-z0-9]', () => {
    expect(
      ['a'.repeat(26), 'a'.repeat(25), 'A'.repeat(26), `${'a'.repeat(25)}-`].map(isMattermostId),
    ).toEqual([true, false, false, false])
  })
})
