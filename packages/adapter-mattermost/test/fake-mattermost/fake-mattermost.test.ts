import { emptyState, type SyncState } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import { useFake } from '../harness.js'
import type { FakeMattermost } from './fake-mattermost.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const [team, channel, user] = [id('t', 1), id('c', 1), id('u', 1)]

const state: SyncState = {
  ...emptyState,
  users: [{ id: user, username: 'ann', systemRole: 'user' }],
  teams: [{ id: team, name: 'eng', groupConstrained: false }],
  channels: [{ id: channel, teamId: team, name: 'ops', type: 'O', groupConstrained: false }],
  teamMembers: [{ teamId: team, userId: user, schemeAdmin: false, schemeGuest: false }],
  channelMembers: [{ channelId: channel, userId: user, schemeAdmin: false, schemeGuest: false }],
}

function raw(fake: FakeMattermost, method: string, path: string, body?: unknown) {
  return fetch(`${fake.url}/api/v4${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${fake.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

describe('FakeMattermost', () => {
  const { fake } = useFake()

  it('should answer a members/ids read that names a user twice with one row', async () => {
    fake().seed(state)

    const response = await raw(fake(), 'POST', `/channels/${channel}/members/ids`, [user, user])

    expect(((await response.json()) as unknown[]).length).toBe(1)
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
    const response = await raw(fake(), 'GET', `/channels/${channel}`)

    expect(response.status).toBe(429)
    expect(await response.text()).toBe('limit exceeded')
    const after = response.headers.get('retry-after')
    const reset = response.headers.get('x-ratelimit-reset')
    if (expected['retry-after'] === 'date') {
      // Whole seconds: "in 3 s" is between 2 and 3 s from now.
      const wait = Date.parse(after ?? '') - before
      expect(wait > 1_900 && wait <= 3_000).toBe(true)
    } else expect(after).toBe(expected['retry-after'])
    expect(reset).toBe(expected['x-ratelimit-reset'])
  })
})
