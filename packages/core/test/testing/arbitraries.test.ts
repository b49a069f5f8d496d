import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  defaultSyncPolicy,
  normalizeState,
  planSync,
  resolvePolicy,
  type SyncState,
} from '@grouproles/core'
import {
  channelArb,
  channelHistoryArb,
  channelMemberArb,
  groupArb,
  groupLinkArb,
  mattermostIdArb,
  roleArb,
  shuffledStateArb,
  syncableRefArb,
  syncCommandArb,
  syncPolicyArb,
  syncPolicyInputArb,
  syncStateArb,
  teamArb,
  untidyStateArb,
  teamMemberArb,
  userArb,
} from '@grouproles/core/testing'
import { denseStateArb } from '../support/arbitraries.js'
import { problems } from '../support/consistency.js'

describe('mattermostIdArb', () => {
  it('should always make 26 characters of [a-z0-9]', () => {
    fc.assert(
      fc.property(mattermostIdArb(), (id) => {
        expect(id).toMatch(/^[a-z0-9]{26}$/)
      }),
    )
  })
})

describe('syncStateArb', () => {
  it('should always make consistent states: unique keys, every reference resolving', () => {
    fc.assert(
      fc.property(syncStateArb(), (s) => {
        expect(problems(s)).toEqual([])
      }),
    )
  })

  it('should always stay within the sizes asked for', () => {
    fc.assert(
      fc.property(
        fc
          .record({
            maxUsers: fc.nat(6),
            maxGroups: fc.nat(3),
            maxTeams: fc.nat(2),
            maxChannels: fc.nat(3),
          })
          .chain((sizes) => fc.tuple(fc.constant(sizes), syncStateArb(sizes))),
        ([sizes, s]) => {
          expect(s.users.length).toBeLessThanOrEqual(sizes.maxUsers)
          expect(s.groups.length).toBeLessThanOrEqual(sizes.maxGroups)
          expect(s.teams.length).toBeLessThanOrEqual(sizes.maxTeams)
          expect(s.channels.length).toBeLessThanOrEqual(sizes.maxChannels)
          expect(problems(s)).toEqual([])
        },
      ),
    )
  })

  it('should produce states whose plans use every command kind, hold and warning', () => {
    // Guards against an over-filtered or too sparse generator: properties over it would pass vacuously.
    const seen = new Set<string>()
    for (const [s, policy] of fc.sample(fc.tuple(syncStateArb(), syncPolicyArb()), 1000)) {
      const plan = planSync(s, policy)
      for (const c of plan.commands) seen.add(c.kind)
      if (plan.held.length > 0) seen.add('held')
      for (const w of plan.warnings) seen.add(`warning:${w.kind}`)
    }

    expect([...seen].sort()).toEqual(
      [
        'addChannelMember',
        'addTeamMember',
        'removeChannelMember',
        'removeTeamMember',
        'setChannelMemberAdmin',
        'setTeamMemberAdmin',
        'held',
        'warning:channelAddSkipped',
        'warning:removalsHeld',
        'warning:unavailableGroup',
      ].sort(),
    )
  })
})

describe('entity arbitraries', () => {
  it('should always use the ids they are given', () => {
    const ids = ['alice', 'bob', 'carol']
    fc.assert(
      fc.property(
        fc.record({
          user: userArb('alice'),
          team: teamArb('rl'),
          channel: channelArb(['rl', 'ops'], 'infrastructure'),
          group: groupArb(ids, 'mm_rl_infra'),
          link: groupLinkArb('mm_rl_infra', { kind: 'channel', id: 'infrastructure' }),
          teamMember: teamMemberArb('rl', 'bob'),
          channelMember: channelMemberArb('infrastructure', 'bob'),
          history: channelHistoryArb('infrastructure', 'carol'),
        }),
        (x) => {
          expect(x.user.id).toBe('alice')
          expect(x.team.id).toBe('rl')
          expect(x.channel.id).toBe('infrastructure')
          expect(['rl', 'ops']).toContain(x.channel.teamId)
          expect(x.group.id).toBe('mm_rl_infra')
          expect(x.group.memberIds.every((u) => ids.includes(u))).toBe(true)
          expect(new Set(x.group.memberIds).size).toBe(x.group.memberIds.length)
          expect([x.link.groupId, x.link.syncable]).toEqual([
            'mm_rl_infra',
            { kind: 'channel', id: 'infrastructure' },
          ])
          expect([x.teamMember.teamId, x.teamMember.userId]).toEqual(['rl', 'bob'])
          expect([x.channelMember.channelId, x.channelMember.userId]).toEqual([
            'infrastructure',
            'bob',
          ])
          expect(x.history).toEqual({ channelId: 'infrastructure', userId: 'carol' })
        },
      ),
    )
  })
})

describe('teamArb and channelArb', () => {
  it('should make managed syncables with and without a label, default channels and town-squares, and plain ones', () => {
    const teams = fc.sample(teamArb(), 300)
    const channels = fc.sample(channelArb(['rl']), 300)
    const seen = new Set<string>()
    for (const t of teams) {
      seen.add(`team managed=${String(t.managed)} labelled=${String(t.managedBy !== undefined)}`)
    }
    for (const c of channels) {
      seen.add(`channel managed=${String(c.managed)} labelled=${String(c.managedBy !== undefined)}`)
      seen.add(`channel defaultChannel=${String(c.defaultChannel)}`)
      seen.add(`channel ${c.name === 'town-square' ? 'town-square' : 'other name'}`)
      if (c.name === 'town-square' && c.type === 'O' && c.defaultChannel === true)
        seen.add('channel open default town-square')
    }

    for (const kind of ['team', 'channel'])
      for (const managed of ['true', 'false', 'undefined'])
        for (const labelled of ['true', 'false'])
          expect(seen).toContain(`${kind} managed=${managed} labelled=${labelled}`)
    for (const x of ['true', 'false', 'undefined'])
      expect(seen).toContain(`channel defaultChannel=${x}`)
    expect(seen).toContain('channel town-square')
    expect(seen).toContain('channel other name')
    expect(seen).toContain('channel open default town-square')
  })
})

describe('roleArb', () => {
  it('should make exactly the three roles', () => {
    expect(new Set(fc.sample(roleArb, 200))).toEqual(new Set(['guest', 'member', 'admin']))
  })
})

describe('syncableRefArb', () => {
  it('should make both kinds with fresh ids when given no ids', () => {
    const refs = fc.sample(syncableRefArb(), 200)

    expect(new Set(refs.map((r) => r.kind))).toEqual(new Set(['team', 'channel']))
    for (const r of refs) expect(r.id).toMatch(/^[a-z0-9]{26}$/)
  })

  it('should always name an id of the list of its kind', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(mattermostIdArb(), { maxLength: 3 }),
        fc.uniqueArray(mattermostIdArb(), { maxLength: 3 }),
        fc.nat(),
        (teamIds, channelIds, seed) => {
          fc.pre(teamIds.length + channelIds.length > 0)
          const [ref] = fc.sample(syncableRefArb(teamIds, channelIds), { seed, numRuns: 1 })

          expect(ref?.kind === 'team' ? teamIds : channelIds).toContain(ref?.id)
        },
      ),
    )
  })

  it('should draw both kinds when both lists have ids, and refuse two empty lists', () => {
    const kinds = fc.sample(syncableRefArb(['rl'], ['infrastructure']), 100).map((r) => r.kind)

    expect(new Set(kinds)).toEqual(new Set(['team', 'channel']))
    expect(() => syncableRefArb([], [])).toThrow(RangeError)
  })
})

describe('syncPolicyInputArb', () => {
  it('should always resolve, with the defaults for the keys it leaves out', () => {
    fc.assert(
      fc.property(syncPolicyInputArb(), (input) => {
        const p = resolvePolicy(input)

        expect(p.roleSync).toBe(input.roleSync ?? defaultSyncPolicy.roleSync)
        expect(p.limits.fractionMinRemovals).toBe(
          input.limits?.fractionMinRemovals ?? defaultSyncPolicy.limits.fractionMinRemovals,
        )
      }),
    )
  })

  it('should leave out keys and limits sometimes and give them sometimes', () => {
    const inputs = fc.sample(syncPolicyInputArb(), 300)

    for (const value of [undefined, 'apply', 'leaveToMattermost'])
      expect(inputs.some((p) => p.groupConstrainedRemovals === value)).toBe(true)
    expect(inputs.some((p) => p.sysadmins === undefined)).toBe(true)
    expect(inputs.some((p) => p.sysadmins !== undefined)).toBe(true)
    expect(inputs.some((p) => p.limits === undefined)).toBe(true)
    expect(inputs.some((p) => p.limits !== undefined && p.limits.maxRemovals === undefined)).toBe(
      true,
    )
    expect(inputs.some((p) => p.limits?.fractionMinRemovals !== undefined)).toBe(true)
  })
})

describe('syncCommandArb', () => {
  it('should always name a user and a team or O/P channel of the state', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => fc.tuple(fc.constant(s), syncCommandArb(s))),
        ([s, c]) => {
          const hasUser = s.users.length > 0
          const hasTarget =
            s.teams.length > 0 || s.channels.some((ch) => ch.type === 'O' || ch.type === 'P')
          if (!hasUser || !hasTarget) return
          expect(s.users.some((u) => u.id === c.userId)).toBe(true)
          if ('teamId' in c) expect(s.teams.some((t) => t.id === c.teamId)).toBe(true)
          else
            expect(
              s.channels.some(
                (ch) => ch.id === c.channelId && (ch.type === 'O' || ch.type === 'P'),
              ),
            ).toBe(true)
        },
      ),
    )
  })
})

describe('shuffledStateArb', () => {
  it('should always keep the content, group members included', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => fc.tuple(fc.constant(s), shuffledStateArb(s))),
        ([s, shuffled]) => {
          expect(normalizeState(shuffled)).toEqual(normalizeState(s))
          expect(shuffled.groups.map((g) => g.memberIds.length).sort()).toEqual(
            s.groups.map((g) => g.memberIds.length).sort(),
          )
          expect(shuffled.channelHistory).toHaveLength(s.channelHistory.length)
        },
      ),
    )
  })
})

describe('untidyStateArb', () => {
  it('should always keep every row of the state it is given', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => fc.tuple(fc.constant(s), untidyStateArb(s))),
        ([s, untidy]) => {
          for (const key of Object.keys(s) as (keyof SyncState)[])
            expect(untidy[key]).toEqual(expect.arrayContaining([...s[key]]))
        },
      ),
    )
  })

  it('should often add duplicate keys and rows naming what the state does not have', () => {
    const seen = new Set<string>()
    for (const s of fc.sample(syncStateArb().chain(untidyStateArb), 300)) {
      const p = problems(s)
      if (p.some((x) => x.startsWith('duplicate user'))) seen.add('duplicate user')
      if (p.some((x) => x.startsWith('duplicate team member'))) seen.add('duplicate team member')
      if (p.some((x) => x.startsWith('duplicate member of'))) seen.add('duplicate group member')
      if (p.some((x) => x.startsWith('link names group'))) seen.add('unknown group')
      if (p.some((x) => x.startsWith('channel member'))) seen.add('unknown channel member')
      const unknown = planSync(s).warnings.filter((w) => w.kind === 'unknownReference')
      for (const w of unknown) seen.add(`warning:${w.entity}`)
    }

    expect([...seen].sort()).toEqual(
      [
        'duplicate user',
        'duplicate team member',
        'duplicate group member',
        'unknown group',
        'unknown channel member',
        'warning:group',
        'warning:team',
        'warning:channel',
        'warning:user',
      ].sort(),
    )
  })
})

describe('syncPolicyArb', () => {
  it('should always make limits in range', () => {
    fc.assert(
      fc.property(syncPolicyArb(), (p) => {
        expect(p.limits.maxRemovals).toBeGreaterThanOrEqual(0)
        expect(p.limits.maxRemovalFraction).toBeGreaterThanOrEqual(0)
        expect(p.limits.maxRemovalFraction).toBeLessThanOrEqual(1)
        expect(p.limits.fractionMinRemovals).toBeGreaterThanOrEqual(0)
      }),
    )
  })
})

describe('denseStateArb', () => {
  it('should always make consistent states too', () => {
    fc.assert(
      fc.property(denseStateArb(), (s) => {
        expect(problems(s)).toEqual([])
      }),
    )
  })

  it('should make states whose plans exercise the phase-1 rules', () => {
    // Guards the properties over it: each rule must actually come up.
    const seen = new Set<string>()
    for (const [s, policy] of fc.sample(fc.tuple(denseStateArb(), syncPolicyArb()), 1000)) {
      const plan = planSync(s, policy)
      for (const c of [...plan.commands, ...plan.held]) {
        if (c.reason.includes('managed by ')) seen.add('managed')
        if (c.reason.startsWith('joins default channel')) seen.add(`default join: ${c.kind}`)
      }
      for (const h of plan.held) seen.add(`held: ${h.hold.kind}`)
      const townSquares = s.channels.filter((c) => c.name === 'town-square').map((c) => c.id)
      if (s.channelMembers.some((m) => townSquares.includes(m.channelId))) seen.add('town-square')
    }

    expect([...seen].sort()).toEqual(
      [
        'default join: addChannelMember',
        'default join: removeChannelMember',
        'held: leftToMattermost',
        'held: maxRemovalFraction',
        'held: maxRemovals',
        'managed',
        'town-square',
      ].sort(),
    )
  })
})
