import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyPlan } from '../src/apply-plan.js'
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../src/directory-snapshot.js'
import { explain } from '../src/explain.js'
import { groupsFromDirectory } from '../src/groups-from-directory.js'
import type { LinkRule, ManagersMode } from '../src/link-rules.js'
import type { SyncableRef, SyncState, User } from '../src/model.js'
import { planSync } from '../src/plan-sync.js'
import type { GroupLoad } from '../src/ports.js'
import type { SyncPolicyInput } from '../src/sync-policy.js'
import { channel, channelMember, state, team, teamMember } from './support/fixtures.js'

/** What `runSync` plans from: the target with the load's groups, links and managed syncables. */
function combine<W>(target: SyncState, load: GroupLoad<W>): SyncState {
  const by = new Map(load.managed.map((m) => [`${m.syncable.kind}:${m.syncable.id}`, m.by]))
  return {
    ...target,
    groups: load.groups,
    links: load.links,
    teams: target.teams.map((t) => {
      const b = by.get(`team:${t.id}`)
      return b === undefined ? t : { ...t, managed: true, managedBy: b }
    }),
    channels: target.channels.map((c) => {
      const b = by.get(`channel:${c.id}`)
      return b === undefined ? c : { ...c, managed: true, managedBy: b }
    }),
  }
}

const dirUser = (name: string, disabled = false): DirectoryUser => ({
  dn: `uid=${name},cn=users,cn=accounts,dc=t`,
  id: `id-${name}`,
  username: name,
  disabled,
})
const dirGroup = (
  name: string,
  members: readonly string[],
  extra: Partial<DirectoryGroup> = {},
): DirectoryGroup => ({
  dn: `cn=${name},cn=groups,cn=accounts,dc=t`,
  id: `gid-${name}`,
  name,
  memberUsernames: members,
  status: 'complete',
  ...extra,
})
const managerKeys = ['managerUsernames', 'managerAttribute', 'managersUnavailableReason']
/** The group as a directory without manager attributes reads it. */
const withoutManagers = (g: DirectoryGroup): DirectoryGroup =>
  Object.fromEntries(
    Object.entries(g).filter(([k]) => !managerKeys.includes(k)),
  ) as unknown as DirectoryGroup
const mmUser = (name: string, extra: Partial<User> = {}): User => ({
  id: `U-${name}`,
  username: name,
  systemRole: 'user',
  ...extra,
})

const rocky = (managers: ManagersMode): LinkRule[] => [
  { kind: 'pattern', pattern: 'mm_{team}_{channel}', adminSuffix: '_admins', managers },
]
const target = (extra: Partial<SyncState> = {}): SyncState =>
  state({
    users: ['alice', 'bob', 'carol', 'dave'].map((n) => mmUser(n)),
    teams: [team('T-rl', { name: 'rl' })],
    channels: [channel('C-infra', 'T-rl', { name: 'infrastructure' })],
    ...extra,
  })
const snapshot = (group: Partial<DirectoryGroup> = {}): DirectorySnapshot => ({
  users: ['alice', 'bob', 'carol', 'dave'].map((n) => dirUser(n)),
  groups: [
    dirGroup('mm_rl_infrastructure', ['alice', 'carol'], {
      managerUsernames: ['bob', 'carol'],
      managerAttribute: 'memberManager',
      ...group,
    }),
  ],
  warnings: [],
})
const load = (
  snap: DirectorySnapshot,
  mode: ManagersMode,
  st: SyncState = target(),
  manage?: boolean,
) =>
  groupsFromDirectory(snap, st, {
    matchBy: 'username',
    rules: rocky(mode).map((r) => (manage === true ? { ...r, manage } : r)),
  })
const channelRef: SyncableRef = { kind: 'channel', id: 'C-infra' }

describe('groupsFromDirectory with rule option managers', () => {
  it("'admin' links every manager as admin of the channel and plain member of its team, auto-added like members", () => {
    const l = load(snapshot(), 'admin')
    expect(l.groups).toContainEqual({
      id: 'gid-mm_rl_infrastructure#managers',
      name: 'managers of mm_rl_infrastructure',
      memberIds: ['U-bob', 'U-carol'],
      status: 'complete',
      managersOf: {
        groupId: 'gid-mm_rl_infrastructure',
        groupName: 'mm_rl_infrastructure',
        attribute: 'memberManager',
      },
    })
    expect(l.links.filter((x) => x.groupId.endsWith('#managers'))).toEqual([
      {
        groupId: 'gid-mm_rl_infrastructure#managers',
        syncable: { kind: 'channel', id: 'C-infra' },
        autoAdd: true,
        schemeAdmin: true,
      },
      {
        groupId: 'gid-mm_rl_infrastructure#managers',
        syncable: { kind: 'team', id: 'T-rl' },
        autoAdd: true,
        schemeAdmin: false,
      },
    ])
    const st = combine(target(), l)
    const plan = planSync(st)
    expect(
      plan.commands
        .filter((c) => c.kind === 'addChannelMember')
        .map((c) => [c.userId, 'role' in c ? c.role : ''])
        .sort(),
    ).toEqual([
      ['U-alice', 'member'],
      ['U-bob', 'admin'],
      ['U-carol', 'admin'],
    ])
    const e = explain(st, { userId: 'U-bob', syncable: channelRef })
    expect(e.lines.join('\n')).toContain(
      'decided role: admin: manages mm_rl_infrastructure (memberManager)',
    )
    expect(e.lines.join('\n')).toContain('group managers of mm_rl_infrastructure: a manager')
    const carol = explain(st, { userId: 'U-carol', syncable: channelRef })
    expect(carol.decision.reason).toBe(
      'manages mm_rl_infrastructure (memberManager), linked to channel infrastructure with scheme admin',
    )
  })

  it("'adminIfMember' makes admins only of managers who are members, and adds nobody", () => {
    const l = load(snapshot(), 'adminIfMember')
    const derived = l.groups.find((g) => g.managersOf !== undefined)
    expect(derived).toMatchObject({
      id: 'gid-mm_rl_infrastructure#managers-in-group',
      memberIds: ['U-carol'],
      status: 'complete',
    })
    expect(l.links.filter((x) => x.groupId === derived?.id)).toEqual([
      {
        groupId: 'gid-mm_rl_infrastructure#managers-in-group',
        syncable: { kind: 'channel', id: 'C-infra' },
        autoAdd: false,
        schemeAdmin: true,
      },
    ])
    const plan = planSync(combine(target(), l))
    expect(plan.commands.filter((c) => c.userId === 'U-bob')).toEqual([])
    expect(
      plan.commands.find((c) => c.kind === 'addChannelMember' && c.userId === 'U-carol'),
    ).toMatchObject({ role: 'admin' })
  })

  it("'ignore' (and no option) gives exactly what a directory without managers gives", () => {
    const plain = load({ ...snapshot(), groups: snapshot().groups.map(withoutManagers) }, 'ignore')
    expect(load(snapshot(), 'ignore')).toEqual(plain)
    expect(
      groupsFromDirectory(snapshot(), target(), {
        matchBy: 'username',
        rules: [{ kind: 'pattern', pattern: 'mm_{team}_{channel}' }],
      }),
    ).toEqual(plain)
  })

  it('keeps existing admins and members when the managers could not be read, and says why', () => {
    // dave manages the group (he was read before) and is admin; the members are as read.
    const st = target({
      teamMembers: ['alice', 'carol', 'dave', 'erin'].map((n) => teamMember('T-rl', `U-${n}`)),
      channelMembers: [
        channelMember('C-infra', 'U-dave', { schemeAdmin: true }),
        channelMember('C-infra', 'U-alice', { schemeAdmin: true }),
        channelMember('C-infra', 'U-erin'),
      ],
    })
    const snap = snapshot({
      managerUsernames: ['bob'],
      managersUnavailableReason: 'a manager DN outside the read base',
    })
    const l = load(snap, 'admin', st, true)
    expect(l.groups.find((g) => g.managersOf !== undefined)?.status).toBe('unavailable')
    // The members are read completely: the managed group itself is untouched.
    expect(l.groups.find((g) => g.id === 'gid-mm_rl_infrastructure')?.status).toBe('complete')
    const plan = planSync(combine(st, l))
    const onChannel = plan.commands.filter((c) => 'channelId' in c && c.channelId === 'C-infra')
    // Nobody demoted or removed on an unknown; bob, a known manager, is still added as admin.
    expect(onChannel.filter((c) => c.kind === 'removeChannelMember')).toEqual([])
    expect(onChannel.filter((c) => c.kind === 'setChannelMemberAdmin')).toEqual([])
    expect(onChannel.find((c) => c.userId === 'U-bob')).toMatchObject({ role: 'admin' })
    expect(plan.warnings.map((w) => w.message)).toContain(
      'group managers of mm_rl_infrastructure could not be read: no removals or demotions on its 2 linked team(s)/channel(s) this run',
    )
    expect(plan.commands.filter((c) => c.kind === 'removeTeamMember')).toEqual([])
    // With 'ignore' the unknown managers change nothing: alice is demoted, dave removed as before.
    const ignored = planSync(combine(st, load(snap, 'ignore', st, true)))
    expect(ignored.commands.map((c) => `${c.kind} ${c.userId}`)).toEqual(
      expect.arrayContaining(['removeTeamMember U-dave', 'setChannelMemberAdmin U-alice']),
    )
  })

  it('holds a removal of a former manager under the removal limits like any removal', () => {
    const st = target({
      teamMembers: ['alice', 'bob', 'carol'].map((n) => teamMember('T-rl', `U-${n}`)),
      channelMembers: ['alice', 'bob', 'carol'].map((n) =>
        channelMember('C-infra', `U-${n}`, { schemeAdmin: n !== 'alice' }),
      ),
    })
    const policy: SyncPolicyInput = { limits: { maxRemovals: 0 } }
    // bob managed the group and is no longer a manager (nor a member).
    const l = load(snapshot({ managerUsernames: ['carol'] }), 'admin', st, true)
    const plan = planSync(combine(st, l), policy)
    expect(plan.commands.filter((c) => c.kind.startsWith('remove'))).toEqual([])
    expect(plan.held.map((h) => `${h.kind} ${h.userId} ${h.hold.kind}`).sort()).toEqual([
      'removeTeamMember U-bob maxRemovals',
    ])
  })

  it('reports a manager without an account once, and not again when already reported as a member', () => {
    const snap: DirectorySnapshot = {
      ...snapshot({ managerUsernames: ['zoe', 'yan'] }),
      users: [...snapshot().users, dirUser('zoe'), dirUser('yan')],
      groups: [
        dirGroup('mm_rl_infrastructure', ['alice', 'yan'], {
          managerUsernames: ['zoe', 'yan'],
          managerAttribute: 'memberManager',
        }),
      ],
    }
    const l = load(snap, 'admin')
    expect(l.warnings.filter((w) => w.kind === 'noMattermostUser').map((w) => w.message)).toEqual([
      'yan (uid=yan,cn=users,cn=accounts,dc=t) has no Mattermost account matching by username: not added to the teams and channels of mm_rl_infrastructure',
      'zoe (uid=zoe,cn=users,cn=accounts,dc=t) has no Mattermost account matching by username: not added to the teams and channels of managers of mm_rl_infrastructure',
    ])
  })
})

// Generated scenarios: a few directory groups with members and managers (some unreadable), the
// Mattermost side with memberships and roles, and every rule managing what it links.
const names = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5']
const groupNames = ['mm_rl_infra', 'mm_rl_ops', 'mm_docs_web', 'mm_rl_infra_admins', 'other']
const scenarioArb = fc
  .record({
    disabled: fc.subarray(names),
    mm: fc.array(
      fc.record({
        name: fc.constantFrom(...names),
        systemRole: fc.constantFrom<User['systemRole']>('user', 'user', 'guest', 'admin'),
        deactivated: fc.boolean(),
      }),
      { maxLength: 7 },
    ),
    groups: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom(...groupNames),
        members: fc.subarray(names),
        managers: fc.option(fc.subarray(names), { nil: undefined }),
        managersUnavailable: fc.boolean(),
        unavailable: fc.boolean(),
      }),
      { selector: (g) => g.name, maxLength: 5 },
    ),
    rows: fc.array(
      fc.record({
        name: fc.constantFrom(...names),
        on: fc.constantFrom('T-rl', 'T-docs', 'C-infra', 'C-ops', 'C-web'),
        admin: fc.boolean(),
      }),
      { maxLength: 10 },
    ),
    manage: fc.boolean(),
  })
  .map((s) => {
    const dirUsers = names.map((n) => dirUser(n, s.disabled.includes(n)))
    const snap: DirectorySnapshot = {
      users: dirUsers,
      groups: s.groups.map((g) =>
        dirGroup(g.name, g.members, {
          ...(g.unavailable ? { status: 'unavailable' as const } : {}),
          ...(g.managers !== undefined
            ? {
                managerUsernames: g.managers.filter((n) => !s.disabled.includes(n)),
                managerAttribute: 'memberManager',
                ...(g.managersUnavailable ? { managersUnavailableReason: 'unreadable DN' } : {}),
              }
            : {}),
        }),
      ),
      warnings: [],
    }
    const users = [...new Map(s.mm.map((u) => [u.name, u])).values()].map((u) =>
      mmUser(u.name, { systemRole: u.systemRole, deactivated: u.deactivated }),
    )
    const ids = new Set(users.map((u) => u.id))
    const teamOf: Record<string, string> = { 'C-infra': 'T-rl', 'C-ops': 'T-rl', 'C-web': 'T-docs' }
    const rows = [...new Map(s.rows.map((r) => [`${r.name}:${r.on}`, r])).values()].filter((r) =>
      ids.has(`U-${r.name}`),
    )
    const isGuest = (n: string) => users.find((u) => u.username === n)?.systemRole === 'guest'
    const st = state({
      users,
      teams: [team('T-rl', { name: 'rl' }), team('T-docs', { name: 'docs' })],
      channels: [
        channel('C-infra', 'T-rl', { name: 'infra' }),
        channel('C-ops', 'T-rl', { name: 'ops' }),
        channel('C-web', 'T-docs', { name: 'web' }),
      ],
      // A channel row needs its team row; guests keep their guest flag.
      teamMembers: [
        ...new Map(
          rows.map((r) => {
            const t = r.on.startsWith('T-') ? r.on : (teamOf[r.on] as string)
            return [
              `${t}:${r.name}`,
              teamMember(t, `U-${r.name}`, {
                schemeAdmin: r.on === t && r.admin && !isGuest(r.name),
                schemeGuest: isGuest(r.name),
              }),
            ] as const
          }),
        ).values(),
      ],
      channelMembers: rows
        .filter((r) => r.on.startsWith('C-'))
        .map((r) =>
          channelMember(r.on, `U-${r.name}`, {
            schemeAdmin: r.admin && !isGuest(r.name),
            schemeGuest: isGuest(r.name),
          }),
        ),
    })
    return { snap, st, manage: s.manage }
  })

const rulesFor = (managers: ManagersMode | undefined, manage: boolean): LinkRule[] =>
  [
    { kind: 'pattern', pattern: 'mm_{team}_{channel}', adminSuffix: '_admins' } as const,
    { kind: 'explicit', group: 'other', team: 'docs', channel: 'web' } as const,
  ].map((r) => ({ ...r, manage, ...(managers !== undefined ? { managers } : {}) }))
const noLimits: SyncPolicyInput = { limits: { maxRemovals: Infinity, maxRemovalFraction: 1 } }

/** `team:T-rl:U-u1` for every admin row after applying the plan. */
function adminsAfter(
  st: SyncState,
  managers: ManagersMode | undefined,
  manage: boolean,
  snap: DirectorySnapshot,
) {
  const l = groupsFromDirectory(snap, st, {
    matchBy: 'username',
    rules: rulesFor(managers, manage),
  })
  const combined = combine(st, l)
  const after = applyPlan(combined, planSync(combined, noLimits))
  const admins = new Set([
    ...after.teamMembers
      .filter((m) => m.deleted !== true && m.schemeAdmin)
      .map((m) => `team:${m.teamId}:${m.userId}`),
    ...after.channelMembers
      .filter((m) => m.schemeAdmin)
      .map((m) => `channel:${m.channelId}:${m.userId}`),
  ])
  return { l, combined, admins }
}

describe('rule option managers (properties)', () => {
  it("with 'ignore' plans are identical to a directory without managers", () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.constantFrom<ManagersMode | undefined>('ignore', undefined),
        ({ snap, st, manage }, mode) => {
          const stripped: DirectorySnapshot = {
            ...snap,
            groups: snap.groups.map(withoutManagers),
          }
          const withManagers = groupsFromDirectory(snap, st, {
            matchBy: 'username',
            rules: rulesFor(mode, manage),
          })
          const without = groupsFromDirectory(stripped, st, {
            matchBy: 'username',
            rules: rulesFor(undefined, manage),
          })
          expect(withManagers).toEqual(without)
          expect(planSync(combine(st, withManagers))).toEqual(planSync(combine(st, without)))
        },
      ),
      { numRuns: 60 },
    )
  })

  it("with 'admin' every manager of a linked group ends up admin of what the rule names, and nobody else gains admin", () => {
    fc.assert(
      fc.property(scenarioArb, ({ snap, st }) => {
        const withAdmin = adminsAfter(st, 'admin', true, snap)
        const before = adminsAfter(st, 'ignore', true, snap)
        const users = new Map(st.users.map((u) => [u.id, u]))
        // What a rule names for a group, from the group's own links: its channels, or its team
        // when it links no channel (a channel link brings its team along as plain membership).
        const named = (groupId: string): string[] => {
          const own = withAdmin.l.links.filter((x) => x.groupId === groupId)
          const channels = own.filter((x) => x.syncable.kind === 'channel')
          return (channels.length > 0 ? channels : own).map(
            (x) => `${x.syncable.kind}:${x.syncable.id}`,
          )
        }
        // Who may gain admin because of managers: a group's managers on what its rule names.
        const granted = new Set<string>()
        for (const g of withAdmin.l.groups) {
          if (g.managersOf === undefined) continue
          for (const where of named(g.managersOf.groupId))
            for (const id of g.memberIds) {
              granted.add(`${where}:${id}`)
              const u = users.get(id)
              // Guests stay guests, bypassing system admins stay members, deactivated users are not added.
              if (u === undefined || u.systemRole !== 'user' || u.deactivated === true) continue
              expect(withAdmin.admins.has(`${where}:${id}`)).toBe(true)
            }
        }
        // Every manager of a group some rule links is in a derived group (disabled ones are left out).
        for (const g of snap.groups) {
          const linked = withAdmin.l.links.some((x) => x.groupId === g.id)
          if (!linked) continue
          for (const name of g.managerUsernames ?? []) {
            const u = st.users.find((x) => x.username === name)
            if (u === undefined) continue
            expect(
              withAdmin.l.groups.some(
                (x) => x.managersOf?.groupId === g.id && x.memberIds.includes(u.id),
              ),
            ).toBe(true)
          }
        }
        // Unknown managers demote and remove nobody where their group is linked.
        const unknown = new Set(
          snap.groups
            .filter((g) => g.managersUnavailableReason !== undefined)
            .map((g) => `${g.id}#managers`),
        )
        const frozen = new Set(
          withAdmin.l.links
            .filter((x) => unknown.has(x.groupId))
            .map((x) => `${x.syncable.kind}:${x.syncable.id}`),
        )
        for (const c of planSync(withAdmin.combined, noLimits).commands) {
          const where = 'teamId' in c ? `team:${c.teamId}` : `channel:${c.channelId}`
          if (c.kind.startsWith('remove') || ('schemeAdmin' in c && !c.schemeAdmin))
            expect(frozen.has(where)).toBe(false)
        }
        // Admins kept where unknown managers froze demotions did not gain anything.
        const adminBefore = new Set([
          ...st.teamMembers.filter((m) => m.schemeAdmin).map((m) => `team:${m.teamId}:${m.userId}`),
          ...st.channelMembers
            .filter((m) => m.schemeAdmin)
            .map((m) => `channel:${m.channelId}:${m.userId}`),
        ])
        for (const key of withAdmin.admins)
          if (!before.admins.has(key) && !adminBefore.has(key)) expect(granted.has(key)).toBe(true)
      }),
      { numRuns: 60 },
    )
  })

  it("with 'adminIfMember' only managers who are members gain admin", () => {
    fc.assert(
      fc.property(scenarioArb, ({ snap, st }) => {
        const withMode = adminsAfter(st, 'adminIfMember', true, snap)
        const before = adminsAfter(st, 'ignore', true, snap)
        for (const g of withMode.l.groups) {
          if (g.managersOf === undefined) continue
          const base = withMode.l.groups.find((x) => x.id === g.managersOf?.groupId)
          for (const id of g.memberIds) expect(base?.memberIds).toContain(id)
        }
        // The derived links add nobody: memberships are those of 'ignore', except removals held
        // where unknown managers froze a syncable.
        const rows = (s: SyncState) =>
          [
            ...s.teamMembers
              .filter((m) => m.deleted !== true)
              .map((m) => `${m.teamId}:${m.userId}`),
            ...s.channelMembers.map((m) => `${m.channelId}:${m.userId}`),
          ].sort()
        const got = rows(applyPlan(withMode.combined, planSync(withMode.combined, noLimits)))
        const want = rows(applyPlan(before.combined, planSync(before.combined, noLimits)))
        if (withMode.l.groups.some((g) => g.managersOf !== undefined && g.status === 'unavailable'))
          expect(got).toEqual(expect.arrayContaining(want))
        else expect(got).toEqual(want)
        const adminBefore = new Set([
          ...st.teamMembers.filter((m) => m.schemeAdmin).map((m) => `team:${m.teamId}:${m.userId}`),
          ...st.channelMembers
            .filter((m) => m.schemeAdmin)
            .map((m) => `channel:${m.channelId}:${m.userId}`),
        ])
        for (const key of withMode.admins) {
          if (before.admins.has(key) || adminBefore.has(key)) continue
          const [kind, id, userId] = key.split(':')
          expect(
            withMode.l.links.some((x) => {
              const g = withMode.l.groups.find((y) => y.id === x.groupId)
              return (
                x.syncable.kind === kind &&
                x.syncable.id === id &&
                g?.managersOf !== undefined &&
                g.memberIds.includes(userId as string)
              )
            }),
          ).toBe(true)
        }
      }),
      { numRuns: 60 },
    )
  })
})
