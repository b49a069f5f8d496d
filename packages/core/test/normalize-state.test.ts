import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeState, planSync } from '@grouproles/core'
import { shuffledStateArb, syncPolicyArb, syncStateArb } from '@grouproles/core/testing'
import {
  channel,
  channelMember,
  clone,
  group,
  link,
  state,
  team,
  teamMember,
  teamRef,
  user,
} from './support/fixtures.js'
import { stateArb } from './support/arbitraries.js'

describe('normalizeState', () => {
  it('should sort every array by key, and group members', () => {
    const s = state({
      users: [user('bob'), user('alice')],
      groups: [group('mm_rl_users', ['carol', 'alice']), group('mm_rl_infra', ['bob'])],
      teams: [team('rl'), team('ops')],
      channels: [channel('infrastructure', 'rl'), channel('alerts', 'ops')],
      links: [
        link('mm_rl_users', teamRef('rl')),
        link('mm_rl_infra', teamRef('rl')),
        link('mm_rl_infra', teamRef('ops')),
      ],
      teamMembers: [teamMember('rl', 'bob'), teamMember('rl', 'alice'), teamMember('ops', 'bob')],
      channelMembers: [channelMember('infrastructure', 'bob'), channelMember('alerts', 'bob')],
      channelHistory: [
        { channelId: 'infrastructure', userId: 'bob' },
        { channelId: 'alerts', userId: 'bob' },
      ],
    })

    const n = normalizeState(s)

    expect(n.users.map((u) => u.id)).toEqual(['alice', 'bob'])
    expect(n.groups.map((g) => [g.id, g.memberIds])).toEqual([
      ['mm_rl_infra', ['bob']],
      ['mm_rl_users', ['alice', 'carol']],
    ])
    expect(n.teams.map((t) => t.id)).toEqual(['ops', 'rl'])
    expect(n.channels.map((c) => c.id)).toEqual(['alerts', 'infrastructure'])
    expect(n.links.map((l) => `${l.syncable.id}/${l.groupId}`)).toEqual([
      'ops/mm_rl_infra',
      'rl/mm_rl_infra',
      'rl/mm_rl_users',
    ])
    expect(n.teamMembers.map((m) => `${m.teamId}/${m.userId}`)).toEqual([
      'ops/bob',
      'rl/alice',
      'rl/bob',
    ])
    expect(n.channelMembers.map((m) => m.channelId)).toEqual(['alerts', 'infrastructure'])
    expect(n.channelHistory.map((h) => h.channelId)).toEqual(['alerts', 'infrastructure'])
  })

  it('should fold duplicate group members and history rows, and drop false flags', () => {
    const s = state({
      users: [user('alice', { isBot: false, deactivated: false })],
      groups: [group('mm_rl_infra', ['alice', 'alice'], { deleted: false, status: 'complete' })],
      teams: [team('rl', { deleted: false })],
      teamMembers: [teamMember('rl', 'alice', { deleted: false })],
      channelHistory: [
        { channelId: 'infrastructure', userId: 'alice' },
        { channelId: 'infrastructure', userId: 'alice' },
      ],
    })

    expect(normalizeState(s)).toEqual(
      state({
        users: [{ id: 'alice', username: 'alice', systemRole: 'user' }],
        groups: [{ id: 'mm_rl_infra', name: 'mm_rl_infra', memberIds: ['alice'] }],
        teams: [{ id: 'rl', name: 'rl', groupConstrained: false }],
        teamMembers: [{ teamId: 'rl', userId: 'alice', schemeAdmin: false, schemeGuest: false }],
        channelHistory: [{ channelId: 'infrastructure', userId: 'alice' }],
      }),
    )
    expect(Object.keys(normalizeState(s).users[0] ?? {})).not.toContain('isBot')
  })

  it('should keep managed, managedBy and defaultChannel, and drop them when false', () => {
    const s = state({
      teams: [team('rl', { managed: true, managedBy: 'rule 2' }), team('ops', { managed: false })],
      channels: [
        channel('town-square', 'rl', { type: 'O', defaultChannel: true, managedBy: 'rule 2' }),
        channel('alerts', 'ops', { managed: false, defaultChannel: false }),
      ],
    })

    const n = normalizeState(s)

    expect(n.teams).toEqual([team('ops'), team('rl', { managed: true, managedBy: 'rule 2' })])
    expect(n.channels).toEqual([
      channel('alerts', 'ops'),
      channel('town-square', 'rl', { type: 'O', managedBy: 'rule 2', defaultChannel: true }),
    ])
  })

  it('should always be idempotent', () => {
    fc.assert(
      fc.property(syncStateArb(), (s) => {
        const once = normalizeState(s)

        expect(normalizeState(once)).toEqual(once)
      }),
    )
  })

  it('should always give the same form for any order of the arrays', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => fc.tuple(fc.constant(s), shuffledStateArb(s))),
        ([s, shuffled]) => {
          expect(normalizeState(shuffled)).toEqual(normalizeState(s))
        },
      ),
    )
  })

  it('should always keep the meaning: same plan, input untouched', () => {
    fc.assert(
      fc.property(stateArb(), syncPolicyArb(), (s, policy) => {
        const before = clone(s)

        const n = normalizeState(s)

        expect(s).toEqual(before)
        expect(planSync(n, policy)).toEqual(planSync(s, policy))
        expect(n.teamMembers).toHaveLength(s.teamMembers.length)
        expect(n.channelMembers).toHaveLength(s.channelMembers.length)
      }),
    )
  })
})
