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

  it('should give the same sound links and warnings for any order of generated inputs', () => {
    const word = fc.constantFrom('rl', 'docs', 'infra', 'a', 'b', 'a_b', 'general', 'admins')
    const world = fc
      .record({
        teamNames: fc.uniqueArray(word, { minLength: 1, maxLength: 4 }),
        channelNames: fc.array(fc.tuple(fc.nat(3), word), { maxLength: 8 }),
        groupNames: fc.array(
          fc.tuple(
            fc.constantFrom('mm_', 'MM_', ''),
            fc.array(word, { minLength: 1, maxLength: 3 }),
            fc.constantFrom('', '_admins', '-x'),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        rules: fc.array(
          fc.oneof(
            fc.record(
              {
                kind: fc.constant('pattern' as const),
                pattern: fc.constantFrom(
                  'mm_{team}_{channel}',
                  'mm_{team}_{name}',
                  'mm_{team}',
                  '{team}_{channel}',
                  '{channel}_{team}',
                ),
                adminSuffix: fc.constant('_admins'),
                autoAdd: fc.boolean(),
              },
              { requiredKeys: ['kind', 'pattern'] },
            ),
            fc.record(
              {
                kind: fc.constant('explicit' as const),
                group: fc.oneof(word, fc.constantFrom('mm_rl_infra', 'mm_a_b')),
                team: word,
                channel: word,
                autoAdd: fc.boolean(),
                schemeAdmin: fc.boolean(),
              },
              { requiredKeys: ['kind', 'group', 'team'] },
            ),
          ),
          { maxLength: 4 },
        ),
      })
      .map(({ teamNames, channelNames, groupNames, rules }) => {
        const ts = teamNames.map((n, i) => team(`T${i}`, n))
        const cs = channelNames.map(([t, n], i) =>
          channel(`C${i}`, ts[t % ts.length]?.id ?? 'T0', n),
        )
        const gs = groupNames.map(([prefix, parts, suffix], i) =>
          group(`G${i}`, `${prefix}${parts.join('_')}${suffix}`),
        )
        return { teams: ts, channels: cs, groups: gs, rules }
      })
    const perm = <T>(xs: readonly T[]) =>
      fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length })
    fc.assert(
      fc.property(
        world.chain((w) =>
          fc.tuple(fc.constant(w), perm(w.groups), perm(w.teams), perm(w.channels)),
        ),
        ([w, g, t, c]) => {
          const r = linksFromRules(w.rules, w.groups, w.teams, w.channels)
          expect(linksFromRules(w.rules, g, t, c)).toEqual(r)
          // Sound: existing ids only, each link once, a channel link comes with its team's link.
          const keys = r.links.map((l) => `${l.groupId}/${l.syncable.kind}/${l.syncable.id}`)
          expect(new Set(keys).size).toBe(keys.length)
          for (const l of r.links) {
            expect(w.groups.some((x) => x.id === l.groupId)).toBe(true)
            if (l.syncable.kind === 'team') {
              expect(w.teams.some((x) => x.id === l.syncable.id)).toBe(true)
              continue
            }
            const ch = w.channels.find((x) => x.id === l.syncable.id)
            expect(ch).toBeDefined()
            expect(keys).toContain(`${l.groupId}/team/${ch?.teamId ?? ''}`)
          }
          // A group named in an ambiguity warning is not linked by the rule that found it ambiguous.
          for (const warning of r.warnings)
            if (warning.kind === 'ambiguousMatch' && w.rules.length === 1)
              expect(
                r.links.some(
                  (l) => w.groups.find((x) => x.id === l.groupId)?.name === warning.group,
                ),
              ).toBe(false)
        },
      ),
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
