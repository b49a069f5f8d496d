import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  applyPlan,
  guardLastAdmin,
  planSync,
  type HeldCommand,
  type SyncState,
} from '../src/index.js'
import { syncPolicyInputArb, syncStateArb } from '../src/testing/index.js'

/** Per live team and live O/P channel of a live team: its scheme admins that are people (no system admins, no deactivated users). */
function adminsOf(state: SyncState): Map<string, Set<string>> {
  const users = new Map(state.users.map((u) => [u.id, u]))
  const counts = (id: string) => {
    const u = users.get(id)
    return u !== undefined && u.systemRole !== 'admin' && u.deactivated !== true
  }
  const liveTeams = new Set(state.teams.filter((t) => t.deleted !== true).map((t) => t.id))
  const liveChannels = new Set(
    state.channels
      .filter(
        (c) => c.deleted !== true && (c.type === 'O' || c.type === 'P') && liveTeams.has(c.teamId),
      )
      .map((c) => c.id),
  )
  const admins = new Map<string, Set<string>>()
  const add = (key: string, id: string) => {
    const set = admins.get(key) ?? new Set<string>()
    set.add(id)
    admins.set(key, set)
  }
  for (const m of state.teamMembers)
    if (m.deleted !== true && m.schemeAdmin && liveTeams.has(m.teamId) && counts(m.userId))
      add(`team:${m.teamId}`, m.userId)
  for (const m of state.channelMembers)
    if (m.schemeAdmin && !m.schemeGuest && liveChannels.has(m.channelId) && counts(m.userId))
      add(`channel:${m.channelId}`, m.userId)
  return admins
}

describe('guardLastAdmin', () => {
  it('should never let a plan leave a team or channel that had a scheme admin without one, holding only demotions and removals', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyInputArb(), (state, policy) => {
        const plan = planSync(state, policy)
        const guarded = guardLastAdmin(state, plan)
        const before = adminsOf(state)
        const after = adminsOf(applyPlan(state, guarded.plan))
        for (const key of before.keys()) expect(after.get(key)?.size ?? 0).toBeGreaterThan(0)
        const moved = guarded.plan.held.filter((c: HeldCommand) => c.hold.kind === 'lastAdmin')
        for (const c of moved) {
          expect(
            c.kind === 'removeTeamMember' ||
              c.kind === 'removeChannelMember' ||
              ((c.kind === 'setTeamMemberAdmin' || c.kind === 'setChannelMemberAdmin') &&
                !c.schemeAdmin),
          ).toBe(true)
        }
        expect(guarded.plan.commands.length + moved.length).toBe(plan.commands.length)
        expect(guarded.plan.held.length).toBe(plan.held.length + moved.length)
        expect(guarded.warnings.length > 0).toBe(moved.length > 0)
      }),
      { numRuns: 300 },
    )
  })

  it('should change nothing when every syncable keeps an admin', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyInputArb(), (state, policy) => {
        const plan = planSync(state, policy)
        const before = adminsOf(state)
        const plain = adminsOf(applyPlan(state, plan))
        fc.pre([...before.keys()].every((k) => (plain.get(k)?.size ?? 0) > 0))
        expect(guardLastAdmin(state, plan).plan).toBe(plan)
      }),
      { numRuns: 100 },
    )
  })

  const team: SyncState = {
    users: [
      { id: 'ann', username: 'ann', systemRole: 'user' },
      { id: 'bob', username: 'bob', systemRole: 'user' },
      { id: 'root', username: 'root', systemRole: 'admin' },
    ],
    groups: [
      { id: 'staff', name: 'staff', memberIds: ['ann', 'bob'] },
      { id: 'leads', name: 'leads', memberIds: [] },
    ],
    teams: [{ id: 't', name: 'ops', groupConstrained: true }],
    channels: [{ id: 'c', teamId: 't', name: 'ops-private', type: 'P', groupConstrained: false }],
    links: [
      { groupId: 'staff', syncable: { kind: 'team', id: 't' }, autoAdd: true, schemeAdmin: false },
      { groupId: 'leads', syncable: { kind: 'team', id: 't' }, autoAdd: true, schemeAdmin: true },
    ],
    teamMembers: [
      { teamId: 't', userId: 'ann', schemeAdmin: true, schemeGuest: false },
      { teamId: 't', userId: 'bob', schemeAdmin: false, schemeGuest: false },
      { teamId: 't', userId: 'root', schemeAdmin: true, schemeGuest: false },
    ],
    channelMembers: [],
    channelHistory: [],
  }

  it("should hold the demotion of a team's last admin (a system admin does not count) with a reason", () => {
    const plan = planSync(team)
    expect(plan.commands).toMatchObject([
      { kind: 'setTeamMemberAdmin', userId: 'ann', schemeAdmin: false },
    ])
    const guarded = guardLastAdmin(team, plan)
    expect(guarded.plan.commands).toEqual([])
    expect(guarded.plan.held).toMatchObject([
      {
        kind: 'setTeamMemberAdmin',
        userId: 'ann',
        hold: { kind: 'lastAdmin', syncable: { kind: 'team', id: 't' } },
      },
    ])
    expect(guarded.plan.stats.held).toBe(1)
    expect(guarded.plan.stats.commands.setTeamMemberAdmin).toBe(0)
    expect(guarded.warnings).toMatchObject([
      { kind: 'lastAdminKept', syncable: { kind: 'team', id: 't' }, userIds: ['ann'] },
    ])
    expect(guarded.warnings[0]?.message).toContain('team ops would be left with no scheme admin')
  })

  it('should let the demotion through when the same plan promotes someone else', () => {
    const withLead: SyncState = {
      ...team,
      groups: [team.groups[0]!, { id: 'leads', name: 'leads', memberIds: ['bob'] }],
    }
    const plan = planSync(withLead)
    expect(plan.commands).toHaveLength(2)
    expect(guardLastAdmin(withLead, plan).plan).toBe(plan)
  })

  it("should hold a team removal that would take a private channel's last admin", () => {
    const state: SyncState = {
      ...team,
      groups: [{ id: 'staff', name: 'staff', memberIds: ['bob'] }, team.groups[1]!],
      teamMembers: [
        { teamId: 't', userId: 'ann', schemeAdmin: false, schemeGuest: false },
        { teamId: 't', userId: 'bob', schemeAdmin: true, schemeGuest: false },
      ],
      channelMembers: [
        { channelId: 'c', userId: 'ann', schemeAdmin: true, schemeGuest: false },
        { channelId: 'c', userId: 'bob', schemeAdmin: false, schemeGuest: false },
      ],
    }
    const plan = planSync(state)
    expect(plan.commands.map((c) => `${c.kind}:${c.userId}`)).toEqual([
      'setTeamMemberAdmin:bob',
      'removeTeamMember:ann',
    ])
    const guarded = guardLastAdmin(state, plan)
    // bob's demotion leaves the team with no admin, ann's removal the channel: both held.
    expect(guarded.plan.commands).toEqual([])
    expect(guarded.plan.held.map((c) => c.hold)).toEqual([
      { kind: 'lastAdmin', syncable: { kind: 'team', id: 't' } },
      { kind: 'lastAdmin', syncable: { kind: 'channel', id: 'c' } },
    ])
  })
})
