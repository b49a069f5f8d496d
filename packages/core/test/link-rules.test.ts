import type { Channel, Group, Team } from '../src/index.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { linksFromRules, linkWarning, parseLinkRules, type LinkRule } from '../src/link-rules.js'

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
    expect(r.warnings).toContainEqual(
      linkWarning({
        kind: 'unknownChannel',
        rule: 0,
        group: 'mm_rl_missing',
        team: 'rl',
        channel: 'missing',
      }),
    )
    expect(r.warnings).toContainEqual(
      linkWarning({ kind: 'unknownTeam', rule: 0, group: 'mm_nope_x', team: 'nope' }),
    )
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
      linkWarning({ kind: 'unknownTeam', rule: 0, group: 'mm_nope_admins', team: 'nope' }),
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
        message:
          'rule 1: group mm_rl_infrastructure_admins fits rl/infrastructure and rl_infrastructure: not linked (rename the group or use an explicit rule)',
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
      linkWarning({ kind: 'unknownGroup', rule: 1, group: 'ghost' }),
      linkWarning({ kind: 'unknownTeam', rule: 2, group: 'writers', team: 'nope' }),
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
      linkWarning({
        kind: 'ambiguousMatch',
        rule: 0,
        group: 'mm_a_b_c',
        candidates: ['a/b_c', 'a_b/c'],
      }),
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

describe('linksFromRules with managed syncables', () => {
  it('should make every team and channel a manage rule links managed by "rule N", counted from 1', () => {
    const r = linksFromRules(
      [
        { kind: 'pattern', pattern: 'mm_{team}', adminSuffix: '_admins' },
        { ...pattern, manage: true },
      ],
      groups,
      teams,
      channels,
    )
    // G1 and G3 fit rule 2 (rl/infrastructure and its team); G2 (mm_rl_admins) fits both rules.
    expect(r.managed).toEqual([
      { syncable: { kind: 'channel', id: 'C1' }, by: 'rule 2' },
      { syncable: { kind: 'team', id: 'T1' }, by: 'rule 2' },
    ])
  })

  it('should manage the teams and channels of the manage list, and warn about names it does not know', () => {
    const r = linksFromRules([pattern], groups, teams, channels, {
      manage: ['DOCS', 'rl/general', 'rl/nope', 'ghost', 'docs/general/x'],
    })
    expect(r.managed).toEqual([
      { syncable: { kind: 'channel', id: 'C2' }, by: 'the manage list' },
      { syncable: { kind: 'team', id: 'T2' }, by: 'the manage list' },
    ])
    expect(r.warnings.filter((w) => w.kind === 'unknownManaged')).toEqual([
      {
        kind: 'unknownManaged',
        name: 'rl/nope',
        message: 'manage: rl/nope names no channel: nothing managed for it',
      },
      {
        kind: 'unknownManaged',
        name: 'ghost',
        message: 'manage: ghost names no team: nothing managed for it',
      },
      {
        kind: 'unknownManaged',
        name: 'docs/general/x',
        message: 'manage: docs/general/x names no channel: nothing managed for it',
      },
    ])
  })

  it('should name every reason a syncable is managed, rules first', () => {
    const r = linksFromRules(
      [{ kind: 'explicit', group: 'writers', team: 'docs', manage: true }],
      groups,
      teams,
      channels,
      { manage: ['docs'] },
    )
    expect(r.managed).toEqual([
      { syncable: { kind: 'team', id: 'T2' }, by: 'rule 1, the manage list' },
    ])
  })

  it('should warn about a pattern that matches no group at all, with the rule counted from 1', () => {
    const r = linksFromRules(
      [pattern, { kind: 'pattern', pattern: 'grp-{team}' }],
      groups,
      teams,
      channels,
    )
    expect(r.warnings).toContainEqual({
      kind: 'ruleMatchesNoGroup',
      rule: 1,
      pattern: 'grp-{team}',
      message: 'rule 2: the pattern grp-{team} matches no group',
    })
    expect(r.warnings.filter((w) => w.kind === 'ruleMatchesNoGroup')).toHaveLength(1)
  })

  it('should word every warning as a sentence', () => {
    expect(linkWarning({ kind: 'unknownGroup', rule: 1, group: 'ghost' }).message).toBe(
      'rule 2: group ghost does not exist (or is deleted): nothing linked',
    )
    expect(
      linkWarning({ kind: 'unknownChannel', rule: 0, group: 'g', team: 'rl', channel: 'x' })
        .message,
    ).toBe('rule 1: group g names channel rl/x, which does not exist: not linked')
    expect(linkWarning({ kind: 'unknownTeam', rule: 0, group: 'g', team: 't' }).message).toBe(
      'rule 1: group g names team t, which does not exist: not linked',
    )
  })

  it('should never manage a syncable that no manage rule links and the manage list does not name', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...groups.map((g) => g.name)), { maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        (explicitGroups, flags) => {
          const rules: LinkRule[] = explicitGroups.map((group, i) => ({
            kind: 'explicit',
            group,
            team: 'rl',
            channel: 'infrastructure',
            manage: flags[i] === true,
          }))
          const r = linksFromRules(rules, groups, teams, channels)
          const manageLabels = new Set(
            rules.flatMap((rule, i) => (rule.manage === true ? [`rule ${i + 1}`] : [])),
          )
          for (const m of r.managed) {
            expect(['C1', 'T1']).toContain(m.syncable.id)
            for (const label of m.by.split(', ')) expect(manageLabels.has(label)).toBe(true)
          }
          if (!rules.some((rule) => rule.manage === true)) expect(r.managed).toEqual([])
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
    ).toBe('rules[0].pattern: {channel} (or its alias {name}) appears twice')
    expect(
      parseLinkRules([{ kind: 'pattern', pattern: 'mm_{team}_{group}' }])._unsafeUnwrapErr()
        .message,
    ).toBe('rules[0].pattern: unknown placeholder (use {team} and {channel}, or its alias {name})')
  })
})

describe('link rules with managers', () => {
  it('should parse managers on both kinds and refuse other values, naming the field', () => {
    expect(
      parseLinkRules([
        { kind: 'pattern', pattern: 'mm_{team}_{channel}', managers: 'admin' },
        { kind: 'explicit', group: 'a', team: 'b', managers: 'adminIfMember' },
      ])._unsafeUnwrap(),
    ).toEqual([
      { kind: 'pattern', pattern: 'mm_{team}_{channel}', managers: 'admin' },
      { kind: 'explicit', group: 'a', team: 'b', managers: 'adminIfMember' },
    ])
    expect(
      parseLinkRules([
        { kind: 'explicit', group: 'a', team: 'b', managers: 'owner' },
      ])._unsafeUnwrapErr().message,
    ).toBe('rules[0].managers: must be "ignore", "admin" or "adminIfMember"')
  })

  it('should link derived manager groups only for groups with managers, admin on what the rule names', () => {
    const withManagers = new Set(['G1', 'G8'])
    const rules: LinkRule[] = [
      { ...pattern, managers: 'admin', autoAdd: false },
      { kind: 'pattern', pattern: 'mm_{team}', managers: 'adminIfMember' },
    ]
    const out = linksFromRules(rules, groups, teams, channels, {
      groupsWithManagers: withManagers,
    })
    expect(out.managerGroups).toEqual([
      { id: 'G1#managers', groupId: 'G1', mode: 'admin' },
      { id: 'G8#managers-in-group', groupId: 'G8', mode: 'adminIfMember' },
    ])
    expect(out.links.filter((l) => l.groupId.includes('#'))).toEqual([
      {
        groupId: 'G1#managers',
        syncable: { kind: 'channel', id: 'C1' },
        autoAdd: false,
        schemeAdmin: true,
      },
      {
        groupId: 'G1#managers',
        syncable: { kind: 'team', id: 'T1' },
        autoAdd: false,
        schemeAdmin: false,
      },
      {
        groupId: 'G8#managers-in-group',
        syncable: { kind: 'team', id: 'T2' },
        autoAdd: false,
        schemeAdmin: true,
      },
    ])
    // Without the option (or with 'ignore') the result is what it was.
    const plain = linksFromRules([pattern], groups, teams, channels)
    expect(
      linksFromRules([{ ...pattern, managers: 'ignore' }], groups, teams, channels, {
        groupsWithManagers: withManagers,
      }),
    ).toEqual(plain)
    expect(linksFromRules([{ ...pattern, managers: 'admin' }], groups, teams, channels)).toEqual(
      plain,
    )
  })
})
