import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  checkPlanCommands,
  planSync,
  type PlannedCommand,
  type SyncCommand,
  type SyncState,
  toSyncCommand,
} from '../src/index.js'
import { syncCommandArb, syncPolicyArb, syncStateArb } from '../src/testing/index.js'

const state: SyncState = {
  users: [
    { id: 'alice', username: 'alice', systemRole: 'user' },
    { id: 'bob', username: 'bob', systemRole: 'user' },
    { id: 'carol', username: 'carol', systemRole: 'user' },
  ],
  groups: [{ id: 'g1', name: 'mm_rl_infra', memberIds: ['alice'] }],
  links: [
    { groupId: 'g1', syncable: { kind: 'team', id: 'rl' }, autoAdd: true, schemeAdmin: true },
  ],
  teams: [{ id: 'rl', name: 'rl', groupConstrained: true }],
  channels: [],
  teamMembers: [{ teamId: 'rl', userId: 'carol', schemeAdmin: false, schemeGuest: false }],
  channelMembers: [],
  channelHistory: [],
}
// No fraction gate: carol is the team's only member.
const policy = { limits: { maxRemovalFraction: 1 } }
// The reviewed plan: add alice as admin, remove carol.
const reviewed = planSync(state, policy).commands

const checkAgainst = (now: SyncState, commands: readonly PlannedCommand[] = reviewed) =>
  checkPlanCommands(commands, planSync(now, policy), { state: now })

describe('checkPlanCommands', () => {
  it('should find nothing stale in a plan checked against the state it was made from', () => {
    expect(reviewed.map((c) => c.kind)).toEqual(['addTeamMember', 'removeTeamMember'])
    expect(checkAgainst(state)).toEqual({ current: reviewed, stale: [] })
  })

  it('should not refuse a command for an unrelated change', () => {
    const busy: SyncState = {
      ...state,
      users: [...state.users, { id: 'dave', username: 'dave', systemRole: 'user' }],
      groups: [...state.groups, { id: 'g2', name: 'mm_other', memberIds: ['dave'] }],
      teams: [...state.teams, { id: 'other', name: 'other', groupConstrained: true }],
      links: [
        ...state.links,
        {
          groupId: 'g2',
          syncable: { kind: 'team', id: 'other' },
          autoAdd: true,
          schemeAdmin: false,
        },
      ],
    }
    expect(planSync(busy, policy).commands.length).toBe(3)
    expect(checkAgainst(busy).stale).toEqual([])
  })

  it('should say carol was re-added to the group since the plan', () => {
    const now = {
      ...state,
      groups: [
        { ...state.groups[0], id: 'g1', name: 'mm_rl_infra', memberIds: ['alice', 'carol'] },
      ],
    }
    const { current, stale } = checkAgainst(now)
    expect(current.map((c) => c.userId)).toEqual(['alice'])
    // In the admin group again, carol is now to be promoted instead of removed.
    expect(stale).toMatchObject([
      {
        index: 1,
        cause: { kind: 'changed', now: { kind: 'setTeamMemberAdmin', schemeAdmin: true } },
      },
    ])
    expect(stale[0]?.message).toBe(
      'remove carol (team rl): carol was re-added to mm_rl_infra since the plan; now planned as promote to admin instead; review the new plan',
    )
    // Already an admin: nothing to do for carol now.
    const asAdmin = checkAgainst({
      ...now,
      teamMembers: [{ teamId: 'rl', userId: 'carol', schemeAdmin: true, schemeGuest: false }],
    })
    expect(asAdmin.stale).toMatchObject([
      { index: 1, cause: { kind: 'noLongerPlanned', why: 'inLinkedGroup' } },
    ])
    expect(asAdmin.stale[0]?.message).toBe(
      'remove carol (team rl): carol was re-added to mm_rl_infra since the plan',
    )
  })

  it('should say when the change was already made, or is now planned differently', () => {
    const done = checkAgainst({
      ...state,
      teamMembers: [
        ...state.teamMembers,
        { teamId: 'rl', userId: 'alice', schemeAdmin: true, schemeGuest: false },
      ],
    })
    expect(done.stale[0]?.message).toBe(
      'add as admin alice (team rl): no longer planned: alice is already a member of team rl',
    )
    const demoted = checkAgainst({
      ...state,
      links: [
        {
          ...state.links[0],
          groupId: 'g1',
          syncable: { kind: 'team', id: 'rl' },
          autoAdd: true,
          schemeAdmin: false,
        },
      ],
    })
    expect(demoted.stale[0]).toMatchObject({
      cause: { kind: 'changed', now: { kind: 'addTeamMember', role: 'member' } },
      message:
        'add as admin alice (team rl): now planned as add as member instead; review the new plan',
    })
    const gone = checkAgainst({ ...state, teamMembers: [] })
    expect(gone.stale[0]?.cause).toEqual({ kind: 'noLongerPlanned', why: 'notAMember' })
  })

  it('should say when the user or the team is gone, or the removal is now held', () => {
    const deactivated = checkAgainst({
      ...state,
      users: state.users.map((u) => (u.id === 'alice' ? { ...u, deactivated: true } : u)),
    })
    expect(deactivated.stale.map((s) => s.cause)).toContainEqual({
      kind: 'noLongerPlanned',
      why: 'userGone',
    })
    const deleted = checkAgainst({
      ...state,
      teams: [{ ...state.teams[0], id: 'rl', name: 'rl', groupConstrained: true, deleted: true }],
    })
    expect(deleted.stale.map((s) => s.message)).toContain(
      'remove carol (team rl): team rl was deleted since the plan',
    )
    const held = checkPlanCommands(
      reviewed,
      planSync(state, { limits: { maxRemovals: 0, maxRemovalFraction: 1 } }),
    )
    expect(held.stale).toMatchObject([{ cause: { kind: 'held', hold: { kind: 'maxRemovals' } } }])
  })

  it('should flag duplicates and, without a state, still say it is no longer planned', () => {
    const [add] = reviewed
    if (add === undefined) throw new Error('fixture')
    const { current, stale } = checkPlanCommands([add, add], planSync(state))
    expect(current).toEqual([add])
    expect(stale).toMatchObject([{ index: 1, cause: { kind: 'duplicate', firstIndex: 0 } }])
    const foreign: SyncCommand = { kind: 'removeTeamMember', teamId: 'rl', userId: 'alice' }
    expect(checkPlanCommands([foreign], planSync(state)).stale[0]).toMatchObject({
      cause: { kind: 'changed' },
    })
    const other: SyncCommand = { kind: 'removeChannelMember', channelId: 'c', userId: 'x' }
    expect(checkPlanCommands([other], planSync(state)).stale[0]?.cause).toEqual({
      kind: 'noLongerPlanned',
      why: 'stateChanged',
    })
  })

  it('should take names from the caller and escape them', () => {
    const now = { ...state, teamMembers: [] }
    const { stale } = checkPlanCommands(reviewed, planSync(now, policy), {
      state: now,
      names: { carol: '\x1b[2Kcarol' },
    })
    expect(stale[0]?.message).toContain('\\x1b[2Kcarol')
  })

  it('should always find a plan current against the state it was made from', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyArb(), (s, policy) => {
        const plan = planSync(s, policy)
        const { current, stale } = checkPlanCommands(plan.commands, plan, { state: s })
        expect(stale).toEqual([])
        expect(current).toEqual(plan.commands)
      }),
    )
  })

  it('should always flag a foreign command and never the planned ones beside it', () => {
    fc.assert(
      fc.property(
        syncStateArb()
          .filter((s) => s.users.length > 0 && s.teams.length > 0)
          .chain((s) => fc.tuple(fc.constant(s), syncPolicyArb(), syncCommandArb(s))),
        ([s, policy, extra]) => {
          const plan = planSync(s, policy)
          const same = (c: SyncCommand) => JSON.stringify(toSyncCommand(c))
          const planned = plan.commands.some((c) => same(c) === same(extra))
          const { current, stale } = checkPlanCommands([...plan.commands, extra], plan, {
            state: s,
          })
          expect(current.slice(0, plan.commands.length)).toEqual(plan.commands)
          // Even a command the plan already makes is flagged: the second copy is a duplicate.
          expect(stale.length).toBe(1)
          expect(stale[0]?.cause.kind === 'duplicate').toBe(planned)
          expect(stale[0]?.index).toBe(plan.commands.length)
          expect(stale[0]?.message).toMatch(/\S/)
        },
      ),
    )
  })

  it('should never make a command stale for a change to an unrelated team', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyArb(), (s, policy) => {
        // A new user, group and team that no planned command touches; ids no arbitrary makes.
        const busy: SyncState = {
          ...s,
          users: [...s.users, { id: 'new-user', username: 'newcomer', systemRole: 'user' }],
          groups: [...s.groups, { id: 'new-group', name: 'mm_new', memberIds: ['new-user'] }],
          teams: [...s.teams, { id: 'new-team', name: 'new', groupConstrained: true }],
          links: [
            ...s.links,
            {
              groupId: 'new-group',
              syncable: { kind: 'team', id: 'new-team' },
              autoAdd: true,
              schemeAdmin: false,
            },
          ],
        }
        const plan = planSync(s, policy)
        const fresh = planSync(busy, policy)
        expect(fresh.commands.length).toBe(plan.commands.length + 1)
        expect(checkPlanCommands(plan.commands, fresh, { state: busy }).stale).toEqual([])
      }),
    )
  })
})
