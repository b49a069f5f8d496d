import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyPlan, planSync, type SyncState } from '@grouproles/core'
import {
  generatedId,
  generateState,
  stateSizes,
  type GeneratedSizes,
} from '@grouproles/core/testing'
import { problems } from '../support/consistency.js'
import { commandsOf } from '../support/fixtures.js'
import { unlimited } from '../support/oracle.js'

const tiny: GeneratedSizes = {
  users: 200,
  groups: 12,
  groupMemberships: 1_500,
  teams: 4,
  channelsPerTeam: 3,
  constrainedShare: 0.5,
  drift: 0.1,
}

describe('generatedId', () => {
  it('should always make distinct 26-character ids', () => {
    fc.assert(
      fc.property(fc.constantFrom('u', 'g', 't', 'c'), fc.nat(), fc.nat(), (prefix, a, b) => {
        expect(generatedId(prefix, a)).toHaveLength(26)
        expect(generatedId(prefix, a).startsWith(prefix)).toBe(true)
        expect(generatedId(prefix, a) === generatedId(prefix, b)).toBe(a === b)
      }),
    )
  })
})

describe('generateState', () => {
  it('should make the same state from the same seed, and another from another seed', () => {
    expect(generateState(tiny, 7)).toEqual(generateState(tiny, 7))
    expect(generateState(tiny, 7)).not.toEqual(generateState(tiny, 8))
  })

  it('should make a consistent state of the sizes asked for', () => {
    const s = generateState(tiny, 3)

    expect(problems(s)).toEqual([])
    expect(s.users).toHaveLength(tiny.users)
    expect(s.groups).toHaveLength(tiny.groups)
    expect(s.teams).toHaveLength(tiny.teams)
    expect(s.channels).toHaveLength(tiny.teams * tiny.channelsPerTeam)
  })

  it('should define S to XL up to the issue’s XL (100k users, 5k groups, 1 M group memberships, 2k teams, 20k channels)', () => {
    expect(stateSizes.S.users).toBe(1_000)
    expect(stateSizes.XL).toMatchObject({
      users: 100_000,
      groups: 5_000,
      groupMemberships: 1_000_000,
      teams: 2_000,
    })
    expect(stateSizes.XL.teams * stateSizes.XL.channelsPerTeam).toBe(20_000)
  })

  it('should scale team + channel memberships with the sizes, to about 2 M at XL', () => {
    // XL is S scaled by 100 in every count; generating XL takes seconds, so check S, a 3× S and the
    // scaling rule instead: memberships grow linearly, so XL ≈ 100 × S.
    const scaled = (k: number): GeneratedSizes => ({
      ...stateSizes.S,
      users: stateSizes.S.users * k,
      groups: stateSizes.S.groups * k,
      groupMemberships: stateSizes.S.groupMemberships * k,
      teams: stateSizes.S.teams * k,
    })
    const memberships = (sizes: GeneratedSizes) => {
      const s = generateState(sizes, 42)
      return s.teamMembers.length + s.channelMembers.length
    }
    const xlFactor = stateSizes.XL.users / stateSizes.S.users

    expect(scaled(xlFactor)).toEqual(stateSizes.XL)
    const small = memberships(stateSizes.S)
    const triple = memberships(scaled(3))
    expect(triple / small).toBeGreaterThan(2.7)
    expect(triple / small).toBeLessThan(3.3)
    // Measured by `pnpm bench`: XL has 2.26 M (0.77 M team + 1.49 M channel memberships).
    expect((small * xlFactor) / 1e6).toBeGreaterThan(1.6)
    expect((small * xlFactor) / 1e6).toBeLessThan(2.5)
  })

  it('should drift enough that an S plan has every kind of command, and converge', () => {
    const s: SyncState = generateState(stateSizes.S, 1)
    const plan = planSync(s, { limits: unlimited })
    const kinds = new Set(plan.commands.map((c) => c.kind))

    expect(problems(s)).toEqual([])
    expect([...kinds].sort()).toEqual([
      'addChannelMember',
      'addTeamMember',
      'removeChannelMember',
      'removeTeamMember',
      'setChannelMemberAdmin',
      'setTeamMemberAdmin',
    ])
    expect(commandsOf(planSync(applyPlan(s, plan), { limits: unlimited }))).toEqual([])
  })

  it('should always make consistent states for any seed', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        expect(
          problems(generateState({ ...tiny, users: 40, groupMemberships: 200 }, seed)),
        ).toEqual([])
      }),
      { numRuns: 20 },
    )
  })
})
