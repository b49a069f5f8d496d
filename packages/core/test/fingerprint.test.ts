import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  defaultSyncPolicy,
  fingerprintState,
  fingerprintTarget,
  normalizeState,
  planSync,
  type Group,
  type SyncPolicy,
  type SyncState,
} from '@grouproles/core'
import { shuffledStateArb, syncPolicyArb, syncStateArb } from '@grouproles/core/testing'
import {
  channel,
  channelMember,
  channelRef,
  group,
  link,
  state,
  team,
  teamMember,
  teamRef,
  user,
} from './support/fixtures.js'

const s = state({
  users: [user('alice'), user('bob', { systemRole: 'admin' })],
  groups: [group('mm_rl_infra', ['alice', 'bob']), group('mm_rl_admins', ['alice'])],
  teams: [team('rl', { groupConstrained: true })],
  channels: [channel('infrastructure', 'rl')],
  links: [
    link('mm_rl_infra', teamRef('rl')),
    link('mm_rl_admins', channelRef('infrastructure'), { schemeAdmin: true }),
  ],
  teamMembers: [teamMember('rl', 'alice'), teamMember('rl', 'bob')],
  channelMembers: [channelMember('infrastructure', 'alice')],
  channelHistory: [{ channelId: 'infrastructure', userId: 'alice' }],
})

// Every kind of record and flag the fingerprints hashed before phase 1 added managed, managedBy,
// defaultChannel and groupConstrainedRemovals.
const rich = state({
  users: [
    user('alice', { email: 'alice@example.test', authData: 'uid=alice' }),
    user('carol', { systemRole: 'guest' }),
    user('jenkins', { isBot: true }),
    user('frank', { deactivated: true }),
  ],
  groups: [
    group('mm_rl_infra', ['alice', 'carol', 'jenkins']),
    group('mm_gone', ['frank'], { deleted: true }),
    group('mm_ldap_down', [], { status: 'unavailable' }),
  ],
  teams: [team('rl', { groupConstrained: true }), team('old', { deleted: true })],
  channels: [
    channel('town-square', 'rl', { type: 'O' }),
    channel('off-topic', 'rl', { type: 'O', groupConstrained: true }),
    channel('archive', 'old', { deleted: true }),
  ],
  links: [
    link('mm_rl_infra', teamRef('rl'), { autoAdd: false }),
    link('mm_gone', channelRef('off-topic'), { schemeAdmin: true, deleted: true }),
    link('mm_ldap_down', teamRef('rl')),
  ],
  teamMembers: [
    teamMember('rl', 'alice', { schemeAdmin: true }),
    teamMember('rl', 'carol', { schemeGuest: true }),
    teamMember('rl', 'frank', { deleted: true }),
  ],
  channelMembers: [
    channelMember('town-square', 'alice'),
    channelMember('off-topic', 'carol', { schemeGuest: true }),
  ],
  channelHistory: [
    { channelId: 'town-square', userId: 'alice' },
    { channelId: 'off-topic', userId: 'carol' },
    { channelId: 'off-topic', userId: 'frank' },
  ],
})

const reversed = (x: SyncState): SyncState => ({
  users: [...x.users].reverse(),
  groups: [...x.groups].reverse().map((g) => ({ ...g, memberIds: [...g.memberIds].reverse() })),
  teams: [...x.teams].reverse(),
  channels: [...x.channels].reverse(),
  links: [...x.links].reverse(),
  teamMembers: [...x.teamMembers].reverse(),
  channelMembers: [...x.channelMembers].reverse(),
  channelHistory: [...x.channelHistory].reverse(),
})

describe('fingerprintState', () => {
  it('should not depend on the order of any array, group members included', () => {
    expect(fingerprintState(reversed(s))).toBe(fingerprintState(s))
  })

  it('should be the fingerprint planSync puts on its plan', () => {
    expect(planSync(s).fingerprint).toBe(fingerprintState(s))
    expect(planSync(reversed(s), { sysadmins: 'asUsers' }).fingerprint).toBe(
      fingerprintState(s, { sysadmins: 'asUsers' }),
    )
  })

  it('should give the fingerprints the code before phase 1 gave when no new field or policy value is used', () => {
    // Computed with the committed code of 8116e8a (the phase-1 types, before the planner used
    // them): a scratch script ran fingerprintState / fingerprintTarget on these same states.
    const richPolicy = {
      roleSync: 'allLinked' as const,
      reAddRemovedMembers: true,
      limits: { maxRemovals: 5, maxRemovalFraction: 1, fractionMinRemovals: 2 },
    }

    expect(fingerprintState(s)).toBe('51f5e62b3e95eea3')
    expect(fingerprintState(s, { sysadmins: 'asUsers' })).toBe('fa84380e0008dbea')
    expect(fingerprintTarget(s)).toBe('d8496bb0c6d53863')
    expect(fingerprintState(rich)).toBe('c009c5f08eb700e7')
    expect(fingerprintState(rich, richPolicy)).toBe('a6ecb9b0f630e22b')
    expect(fingerprintTarget(rich)).toBe('a51c97173a93199e')
    // The new fields at their defaults are no new input.
    const defaults: SyncState = {
      ...rich,
      teams: rich.teams.map((t) => ({ ...t, managed: false })),
      channels: rich.channels.map((c) => ({ ...c, managed: false, defaultChannel: false })),
    }
    expect(fingerprintState(defaults, { ...richPolicy, groupConstrainedRemovals: 'apply' })).toBe(
      'a6ecb9b0f630e22b',
    )
  })

  it('should change with managed, managedBy and defaultChannel, which the target fingerprint ignores', () => {
    const variants: SyncState[] = [
      { ...rich, teams: [team('rl', { groupConstrained: true, managed: true }), rich.teams[1]!] },
      {
        ...rich,
        teams: [
          team('rl', { groupConstrained: true, managed: true, managedBy: 'rule 2' }),
          rich.teams[1]!,
        ],
      },
      { ...rich, channels: [{ ...rich.channels[0]!, managed: true }, ...rich.channels.slice(1)] },
      {
        ...rich,
        channels: [{ ...rich.channels[0]!, defaultChannel: true }, ...rich.channels.slice(1)],
      },
      {
        ...rich,
        channels: [
          { ...rich.channels[0]!, managed: true, managedBy: 'the manage list' },
          ...rich.channels.slice(1),
        ],
      },
    ]

    const prints = new Set([rich, ...variants].map((v) => fingerprintState(v)))

    expect(prints.size).toBe(variants.length + 1)
    for (const v of variants) expect(fingerprintTarget(v)).toBe(fingerprintTarget(rich))
  })

  it('should treat a missing policy, an empty one and the defaults alike', () => {
    expect(fingerprintState(s, {})).toBe(fingerprintState(s))
    expect(fingerprintState(s, defaultSyncPolicy)).toBe(fingerprintState(s))
  })

  it('should change when the state changes', () => {
    const variants: SyncState[] = [
      { ...s, users: [user('alice', { deactivated: true }), s.users[1]!] },
      { ...s, groups: [group('mm_rl_infra', ['alice']), s.groups[1]!] },
      { ...s, groups: [s.groups[0]!, group('mm_rl_admins', ['bob'])] },
      {
        ...s,
        groups: [group('mm_rl_infra', ['alice', 'bob'], { status: 'unavailable' }), s.groups[1]!],
      },
      { ...s, teams: [team('rl', { groupConstrained: false })] },
      { ...s, links: [link('mm_rl_infra', teamRef('rl'), { autoAdd: false }), s.links[1]!] },
      { ...s, links: [link('mm_rl_infra', channelRef('rl')), s.links[1]!] },
      { ...s, teamMembers: [teamMember('rl', 'alice', { deleted: true }), s.teamMembers[1]!] },
      { ...s, channelMembers: [channelMember('infrastructure', 'alice', { schemeAdmin: true })] },
      { ...s, channelHistory: [] },
    ]

    const prints = new Set([s, ...variants].map((v) => fingerprintState(v)))

    expect(prints.size).toBe(variants.length + 1)
  })

  it('should change when the policy changes', () => {
    const policies = [
      {},
      { sysadmins: 'asUsers' as const },
      { roleSync: 'allLinked' as const },
      { reAddRemovedMembers: true },
      { limits: { maxRemovals: 5 } },
      { limits: { maxRemovals: Number.POSITIVE_INFINITY } },
      { limits: { maxRemovalFraction: 1 } },
      { limits: { fractionMinRemovals: 0 } },
      { groupConstrainedRemovals: 'leaveToMattermost' as const },
    ]

    expect(new Set(policies.map((p) => fingerprintState(s, p))).size).toBe(policies.length)
  })

  it('should always be equal for permuted states', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((x) => fc.tuple(fc.constant(x), shuffledStateArb(x))),
        syncPolicyArb(),
        ([x, shuffled], policy) => {
          expect(fingerprintState(shuffled, policy)).toBe(fingerprintState(x, policy))
          expect(fingerprintTarget(shuffled)).toBe(fingerprintTarget(x))
        },
      ),
    )
  })

  it('should always be equal for a state and its normalised form', () => {
    fc.assert(
      fc.property(syncStateArb(), (x) => {
        expect(fingerprintState(normalizeState(x))).toBe(fingerprintState(x))
      }),
    )
  })

  it('should always change when one record changes', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((x) => fc.tuple(fc.constant(x), mutationArb(x))),
        ([x, mutated]) => {
          expect(fingerprintState(mutated)).not.toBe(fingerprintState(x))
        },
      ),
    )
  })

  it('should always be equal exactly for equal policies', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyArb(), syncPolicyArb(), (x, p, q) => {
        const same = policyText(p) === policyText(q)

        expect(fingerprintState(x, p) === fingerprintState(x, q)).toBe(same)
      }),
    )
  })
})

describe('fingerprintTarget', () => {
  it('should ignore groups and links, which are not Mattermost’s side', () => {
    const regrouped = { ...s, groups: [group('mm_rl_infra', [])], links: [] }

    expect(fingerprintTarget(regrouped)).toBe(fingerprintTarget(s))
    expect(planSync(s).targetFingerprint).toBe(fingerprintTarget(s))
  })

  it('should change when a membership changes', () => {
    const removed = { ...s, teamMembers: [teamMember('rl', 'alice')] }
    const promoted = {
      ...s,
      channelMembers: [channelMember('infrastructure', 'alice', { schemeAdmin: true })],
    }

    expect(fingerprintTarget(removed)).not.toBe(fingerprintTarget(s))
    expect(fingerprintTarget(promoted)).not.toBe(fingerprintTarget(s))
  })
})

function policyText(p: SyncPolicy): string {
  const { maxRemovals, maxRemovalFraction, fractionMinRemovals } = p.limits
  return [
    p.sysadmins,
    p.roleSync,
    p.reAddRemovedMembers,
    p.groupConstrainedRemovals ?? 'apply',
    maxRemovals,
    maxRemovalFraction,
    fractionMinRemovals,
  ]
    .map(String)
    .join('|')
}

const toggle = (v: boolean | undefined): boolean => v !== true

/** The state with exactly one record changed (one flag, one member, one row more or less). */
function mutationArb(x: SyncState): fc.Arbitrary<SyncState> {
  const at = <T>(items: readonly T[], change: (item: T) => T): fc.Arbitrary<T[]> =>
    fc
      .nat({ max: items.length - 1 })
      .map((i) => items.map((item, j) => (i === j ? change(item) : item)))
  const options: fc.Arbitrary<SyncState>[] = [
    fc.constant({ ...x, users: [...x.users, user('someone-new')] }),
  ]
  if (x.users.length > 0) {
    options.push(
      at(x.users, (u) => ({ ...u, deactivated: toggle(u.deactivated) })).map((users) => ({
        ...x,
        users,
      })),
    )
    options.push(
      at(x.users, (u) => ({
        ...u,
        systemRole: u.systemRole === 'user' ? ('admin' as const) : ('user' as const),
      })).map((users) => ({ ...x, users })),
    )
  }
  if (x.groups.length > 0) {
    options.push(
      at(x.groups, (g) => ({ ...g, deleted: toggle(g.deleted) })).map((groups) => ({
        ...x,
        groups,
      })),
    )
    options.push(
      at(x.groups, (g) => ({
        ...g,
        status: g.status === 'unavailable' ? ('complete' as const) : ('unavailable' as const),
      })).map((groups) => ({ ...x, groups })),
    )
    options.push(
      at(x.groups, (g) => ({
        ...g,
        memberIds: g.memberIds.length > 0 ? g.memberIds.slice(1) : ['someone-new'],
      })).map((groups) => ({ ...x, groups })),
    )
    // Same number of members, one of them another user of the state where there is one.
    const others = (g: Group) => x.users.map((u) => u.id).filter((id) => !g.memberIds.includes(id))
    options.push(
      at(x.groups, (g) => ({
        ...g,
        memberIds: [others(g)[0] ?? 'someone-new', ...g.memberIds.slice(1)],
      })).map((groups) => ({ ...x, groups })),
    )
  }
  if (x.teams.length > 0) {
    options.push(
      at(x.teams, (t) => ({ ...t, groupConstrained: !t.groupConstrained })).map((teams) => ({
        ...x,
        teams,
      })),
    )
    options.push(
      at(x.teams, (t) => ({ ...t, managed: toggle(t.managed) })).map((teams) => ({ ...x, teams })),
    )
    options.push(
      at(x.teams, (t) => ({ ...t, managedBy: `${t.managedBy ?? ''}, rule 9` })).map((teams) => ({
        ...x,
        teams,
      })),
    )
  }
  if (x.channels.length > 0) {
    options.push(
      at(x.channels, (c) => ({ ...c, deleted: toggle(c.deleted) })).map((channels) => ({
        ...x,
        channels,
      })),
    )
    options.push(
      at(x.channels, (c) => ({ ...c, managed: toggle(c.managed) })).map((channels) => ({
        ...x,
        channels,
      })),
    )
    options.push(
      at(x.channels, (c) => ({ ...c, defaultChannel: toggle(c.defaultChannel) })).map(
        (channels) => ({ ...x, channels }),
      ),
    )
  }
  if (x.links.length > 0) {
    options.push(
      at(x.links, (l) => ({ ...l, schemeAdmin: !l.schemeAdmin })).map((links) => ({ ...x, links })),
    )
    options.push(
      at(x.links, (l) => ({ ...l, autoAdd: !l.autoAdd })).map((links) => ({ ...x, links })),
    )
    options.push(
      at(x.links, (l) => ({ ...l, deleted: toggle(l.deleted) })).map((links) => ({ ...x, links })),
    )
  }
  if (x.teamMembers.length > 0) {
    options.push(
      at(x.teamMembers, (m) => ({ ...m, schemeAdmin: !m.schemeAdmin })).map((teamMembers) => ({
        ...x,
        teamMembers,
      })),
    )
    options.push(
      at(x.teamMembers, (m) => ({ ...m, deleted: toggle(m.deleted) })).map((teamMembers) => ({
        ...x,
        teamMembers,
      })),
    )
  }
  if (x.channelMembers.length > 0) {
    options.push(
      fc
        .nat({ max: x.channelMembers.length - 1 })
        .map((i) => ({ ...x, channelMembers: x.channelMembers.filter((_, j) => j !== i) })),
    )
  }
  if (x.channelHistory.length > 0) {
    options.push(
      fc
        .nat({ max: x.channelHistory.length - 1 })
        .map((i) => ({ ...x, channelHistory: x.channelHistory.filter((_, j) => j !== i) })),
    )
  }
  return fc.oneof(...options)
}
