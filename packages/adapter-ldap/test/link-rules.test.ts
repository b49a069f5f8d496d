import type { Channel, Group, Team } from '@grouproles/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { linksFromRules, parseLinkRules, type LinkRule } from '../src/link-rules.js'

const team = (id: string, name: string): Team => ({ id, name, groupConstrained: true })
const channel = (id: string, teamId: string, name: string): Channel => ({
  id,
  teamId,
  name,
  type: 'O',
  groupConstrained: true,
})
const group = (id: string, name: string): Group => ({ id, name, memberIds: [], status: 'complete' })

const teams = [team('T1', 'rl'), team('T2', 'docs')]
const channels = [
  channel('C1', 'T1', 'infrastructure'),
  channel('C2', 'T1', 'general'),
  channel('C3', 'T2', 'general'),
]
const groups = [
  group('G1', 'mm_rl_infrastructure'),
  group('G2', 'mm_rl_admins'),
  group('G3', 'mm_rl_infrastructure_admins'),
  group('G4', 'mm_nope_x'),
  group('G5', 'mm_rl_missing'),
  group('G6', 'writers'),
  group('G7', 'unrelated'),
  group('G8', 'mm_docs'),
]
const pattern: LinkRule = {
  kind: 'pattern',
  pattern: 'mm_{team}_{channel}',
  adminSuffix: '_admins',
}

describe('linksFromRules', () => {
  it('should map the Rocky Linux convention to a channel plus its team, and admin groups to admins', () => {
    const r = linksFromRules(
      [pattern, { kind: 'pattern', pattern: 'mm_{team}', adminSuffix: '_admins' }],
      groups,
      teams,
      channels,
    )
    expect(r.links).toEqual([
      { groupId: 'G1', syncable: { kind: 'channel', id: 'C1' }, autoAdd: true, schemeAdmin: false },
      { groupId: 'G1', syncable: { kind: 'team', id: 'T1' }, autoAdd: true, schemeAdmin: false },
      { groupId: 'G2', syncable: { kind: 'team', id: 'T1' }, autoAdd: true, schemeAdmin: true },
      { groupId: 'G3', syncable: { kind: 'channel', id: 'C1' }, autoAdd: true, schemeAdmin: true },
      { groupId: 'G3', syncable: { kind: 'team', id: 'T1' }, autoAdd: true, schemeAdmin: false },
      { groupId: 'G8', syncable: { kind: 'team', id: 'T2' }, autoAdd: true, schemeAdmin: false },
    ])
    expect(r.warnings).toContainEqual({
      kind: 'unknownChannel',
      rule: 0,
      group: 'mm_rl_missing',
      team: 'rl',
      channel: 'missing',
    })
    expect(r.warnings).toContainEqual({
      kind: 'unknownTeam',
      rule: 0,
      group: 'mm_nope_x',
      team: 'nope',
    })
  })

  it('should read an admin group without a channel part as the team admin group of a single pattern', () => {
    const r = linksFromRules([pattern], groups, teams, channels)
    expect(r.links).toContainEqual({
      groupId: 'G2',
      syncable: { kind: 'team', id: 'T1' },
      autoAdd: true,
      schemeAdmin: true,
    })
    expect(r.links.filter((l) => l.groupId === 'G2')).toHaveLength(1)
    // Not an admin group: a bare team name still does not fit mm_{team}_{channel}.
    expect(r.links.some((l) => l.groupId === 'G8')).toBe(false)
  })

  it('should warn about an admin group of an unknown team instead of dropping it', () => {
    const r = linksFromRules([pattern], [group('G1', 'mm_nope_admins')], teams, channels)
    expect(r.links).toEqual([])
    expect(r.warnings).toEqual([
      { kind: 'unknownTeam', rule: 0, group: 'mm_nope_admins', team: 'nope' },
    ])
  })

  it('should call an admin group ambiguous when it names a team and a team channel alike', () => {
    const r = linksFromRules(
      [pattern],
      [group('G1', 'mm_rl_infrastructure_admins')],
      [...teams, team('T3', 'rl_infrastructure')],
      channels,
    )
    expect(r.links).toEqual([])
    expect(r.warnings).toEqual([
      {
        kind: 'ambiguousMatch',
        rule: 0,
        group: 'mm_rl_infrastructure_admins',
        candidates: ['rl/infrastructure', 'rl_infrastructure'],
      },
    ])
  })

  it('should drop the separator after the channel when the channel comes first', () => {
    const r = linksFromRules(
      [{ kind: 'pattern', pattern: '{channel}.{team}-mm', adminSuffix: '-admins' }],
      [group('G1', 'rl-mm-admins'), group('G2', 'general.rl-mm')],
      teams,
      channels,
    )
    expect(r.links).toEqual([
      { groupId: 'G1', syncable: { kind: 'team', id: 'T1' }, autoAdd: true, schemeAdmin: true },
      { groupId: 'G2', syncable: { kind: 'channel', id: 'C2' }, autoAdd: true, schemeAdmin: false },
      { groupId: 'G2', syncable: { kind: 'team', id: 'T1' }, autoAdd: true, schemeAdmin: false },
    ])
  })

  it('should accept {name} as an alias of {channel}', () => {
    const withName: LinkRule = {
      kind: 'pattern',
      pattern: 'mm_{team}_{name}',
      adminSuffix: '_admins',
    }
    expect(linksFromRules([withName], groups, teams, channels)).toEqual(
      linksFromRules([pattern], groups, teams, channels),
    )
    expect(linksFromRules([withName], groups, teams, channels).links).toContainEqual({
      groupId: 'G1',
      syncable: { kind: 'channel', id: 'C1' },
      autoAdd: true,
      schemeAdmin: false,
    })
  })

  it('should apply explicit rules and warn about unknown names', () => {
    const rules: LinkRule[] = [
      {
        kind: 'explicit',
        group: 'Writers',
        team: 'DOCS',
        channel: 'general',
        schemeAdmin: true,
        autoAdd: false,
      },
      { kind: 'explicit', group: 'ghost', team: 'rl' },
      { kind: 'explicit', group: 'writers', team: 'nope' },
    ]
    const r = linksFromRules(rules, groups, teams, channels)
    expect(r.links).toEqual([
      { groupId: 'G6', syncable: { kind: 'channel', id: 'C3' }, autoAdd: false, schemeAdmin: true },
      { groupId: 'G6', syncable: { kind: 'team', id: 'T2' }, autoAdd: false, schemeAdmin: false },
    ])
    expect(r.warnings).toEqual([
      { kind: 'unknownGroup', rule: 1, group: 'ghost' },
      { kind: 'unknownTeam', rule: 2, group: 'writers', team: 'nope' },
    ])
  })

  it('should warn instead of guessing when a name splits two ways', () => {
    const r = linksFromRules(
      [pattern],
      [group('G1', 'mm_a_b_c')],
      [team('T1', 'a'), team('T2', 'a_b')],
      [channel('C1', 'T1', 'b_c'), channel('C2', 'T2', 'c')],
    )
    expect(r.links).toEqual([])
    expect(r.warnings).toEqual([
      { kind: 'ambiguousMatch', rule: 0, group: 'mm_a_b_c', candidates: ['a/b_c', 'a_b/c'] },
    ])
  })

  it('should always give the same links and warnings for any order of the inputs', () => {
    const rules: LinkRule[] = [
      pattern,
      { kind: 'explicit', group: 'writers', team: 'rl', channel: 'general' },
      { kind: 'pattern', pattern: 'mm_{team}' },
    ]
    const perm = <T>(xs: readonly T[]) =>
      fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length })
    fc.assert(
      fc.property(perm(groups), perm(teams), perm(channels), (g, t, c) => {
        expect(linksFromRules(rules, g, t, c)).toEqual(
          linksFromRules(rules, groups, teams, channels),
        )
      }),
    )
  })
})

describe('parseLinkRules', () => {
  it('should accept valid rules and name the broken field', () => {
    expect(
      parseLinkRules([
        { kind: 'pattern', pattern: 'mm_{team}_{channel}', adminSuffix: '_admins' },
      ]).isOk(),
    ).toBe(true)
    expect(parseLinkRules({})._unsafeUnwrapErr()).toMatchObject({
      kind: 'invalidLinkRule',
      index: -1,
    })
    expect(parseLinkRules([{ kind: 'explicit', team: 'rl' }])._unsafeUnwrapErr()).toMatchObject({
      index: 0,
      field: 'group',
    })
    expect(
      parseLinkRules([{ kind: 'pattern', pattern: 'mm_{channel}' }])._unsafeUnwrapErr(),
    ).toMatchObject({ field: 'pattern' })
    expect(
      parseLinkRules([{ kind: 'pattern', pattern: 'mm_{team}{channel}' }])._unsafeUnwrapErr(),
    ).toMatchObject({ field: 'pattern' })
    expect(
      parseLinkRules([
        { kind: 'explicit', group: 'a', team: 'b', autoAdd: 'yes' },
      ])._unsafeUnwrapErr(),
    ).toMatchObject({ field: 'autoAdd' })
    expect(parseLinkRules([{ kind: 'other' }])._unsafeUnwrapErr()).toMatchObject({ field: 'kind' })
  })

  it('should accept {name} like {channel} and name the alias in its errors', () => {
    expect(
      parseLinkRules([{ kind: 'pattern', pattern: 'mm_{team}_{name}' }])._unsafeUnwrap(),
    ).toEqual([{ kind: 'pattern', pattern: 'mm_{team}_{name}' }])
    expect(
      parseLinkRules([
        { kind: 'pattern', pattern: 'mm_{team}_{channel}_{name}' },
      ])._unsafeUnwrapErr().message,
    ).toBe('{channel} (or its alias {name}) appears twice')
    expect(
      parseLinkRules([{ kind: 'pattern', pattern: 'mm_{team}_{group}' }])._unsafeUnwrapErr()
        .message,
    ).toBe('unknown placeholder (use {team} and {channel}, or its alias {name})')
  })
})
