import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  applyPlan,
  decideRole,
  explain,
  planSync,
  type Channel,
  type ChannelHistory,
  type ChannelMember,
  type Explanation,
  type Group,
  type GroupLink,
  type Role,
  type SyncableRef,
  type SyncCommand,
  type SyncPolicy,
  type SyncState,
  type SystemRole,
  type Team,
  type TeamMember,
  type User,
} from '@grouproles/core'

// The issue pins these names and shapes: users may add fields but nothing may be renamed or become
// required. Every literal below is written to the text, so `tsc -p packages/core` (which
// includes test/) fails on any rename, and the runtime checks keep the values meaningful.

const minimalUser: User = { id: 'alice', username: 'alice', systemRole: 'user' }
const fullUser: User = {
  id: 'bob',
  username: 'bob',
  email: 'bob@example.test',
  authData: 'uid=bob',
  systemRole: 'admin',
  isBot: false,
  deactivated: false,
}
const minimalGroup: Group = { id: 'mm_rl_infra', name: 'mm_rl_infra', memberIds: ['alice'] }
const fullGroup: Group = {
  id: 'mm_rl_ops',
  name: 'mm_rl_ops',
  memberIds: ['bob'],
  deleted: false,
  status: 'complete',
}
const minimalTeam: Team = { id: 'rl', name: 'rl', groupConstrained: true }
const fullTeam: Team = { id: 'old', name: 'old', groupConstrained: false, deleted: true }
const minimalChannel: Channel = {
  id: 'infrastructure',
  teamId: 'rl',
  name: 'infrastructure',
  type: 'P',
  groupConstrained: true,
}
const fullChannel: Channel = {
  id: 'town-square',
  teamId: 'rl',
  name: 'town-square',
  type: 'O',
  groupConstrained: false,
  deleted: false,
}
const teamSyncable: SyncableRef = { kind: 'team', id: 'rl' }
const channelSyncable: SyncableRef = { kind: 'channel', id: 'infrastructure' }
const minimalLink: GroupLink = {
  groupId: 'mm_rl_infra',
  syncable: teamSyncable,
  autoAdd: true,
  schemeAdmin: false,
}
const fullLink: GroupLink = {
  groupId: 'mm_rl_infra',
  syncable: channelSyncable,
  autoAdd: true,
  schemeAdmin: true,
  deleted: false,
}
const minimalTeamMember: TeamMember = {
  teamId: 'rl',
  userId: 'carol',
  schemeAdmin: false,
  schemeGuest: false,
}
const fullTeamMember: TeamMember = {
  teamId: 'rl',
  userId: 'bob',
  schemeAdmin: false,
  schemeGuest: false,
  deleted: true,
}
const channelMember: ChannelMember = {
  channelId: 'infrastructure',
  userId: 'carol',
  schemeAdmin: true,
  schemeGuest: false,
}
const history: ChannelHistory = { channelId: 'infrastructure', userId: 'carol' }

const state: SyncState = {
  users: [minimalUser, fullUser, { id: 'carol', username: 'carol', systemRole: 'user' }],
  groups: [minimalGroup, fullGroup],
  teams: [minimalTeam, fullTeam],
  channels: [minimalChannel, fullChannel],
  links: [minimalLink, fullLink],
  teamMembers: [minimalTeamMember, fullTeamMember, { ...minimalTeamMember, userId: 'alice' }],
  channelMembers: [channelMember],
  channelHistory: [history],
}

const commands: readonly SyncCommand[] = [
  { kind: 'addTeamMember', teamId: 'rl', userId: 'alice', role: 'member' },
  { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'alice', role: 'admin' },
  { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'carol', schemeAdmin: true },
  {
    kind: 'setChannelMemberAdmin',
    channelId: 'infrastructure',
    userId: 'carol',
    schemeAdmin: false,
  },
  { kind: 'removeTeamMember', teamId: 'rl', userId: 'carol' },
  { kind: 'removeChannelMember', channelId: 'infrastructure', userId: 'carol' },
]

// Written to the pinned shape: `limits` has exactly the two pinned fields.
const policy: SyncPolicy = {
  sysadmins: 'bypass',
  roleSync: 'groupConstrained',
  reAddRemovedMembers: false,
  limits: { maxRemovals: 100, maxRemovalFraction: 0.5 },
}
const partialPolicy: Partial<SyncPolicy> = { sysadmins: 'asUsers', limits: policy.limits }

/** The pinned signatures, as the issue writes them; the exports must be assignable to them. */
type PinnedDecideRole = (
  input: {
    user: User
    syncable: SyncableRef
    links: readonly GroupLink[]
    userGroupIds: readonly string[]
  },
  policy?: Partial<SyncPolicy>,
) => { role: Role; reason: string; viaGroupIds: readonly string[] }
type PinnedPlanSync = (
  state: SyncState,
  policy?: Partial<SyncPolicy>,
) => {
  commands: readonly SyncCommand[]
  held: readonly SyncCommand[]
  warnings: readonly unknown[]
  stats: unknown
  fingerprint: string
}
type PinnedApplyPlan = (
  state: SyncState,
  plan: { commands: readonly SyncCommand[] } | readonly SyncCommand[],
) => SyncState
type PinnedExplain = (
  state: SyncState,
  query: { userId: string; syncable: SyncableRef },
  policy?: Partial<SyncPolicy>,
) => Explanation

const pinnedDecideRole: PinnedDecideRole = decideRole
const pinnedPlanSync: PinnedPlanSync = planSync
const pinnedApplyPlan: PinnedApplyPlan = applyPlan
const pinnedExplain: PinnedExplain = explain

describe('public API (pinned by the issue)', () => {
  it('should keep the pinned unions exactly', () => {
    expectTypeOf<SystemRole>().toEqualTypeOf<'user' | 'guest' | 'admin'>()
    expectTypeOf<Role>().toEqualTypeOf<'guest' | 'member' | 'admin'>()
    expectTypeOf<SyncableRef['kind']>().toEqualTypeOf<'team' | 'channel'>()
    expectTypeOf<Channel['type']>().toEqualTypeOf<'O' | 'P' | 'D' | 'G'>()
    expectTypeOf<NonNullable<Group['status']>>().toEqualTypeOf<'complete' | 'unavailable'>()
    expectTypeOf<SyncPolicy['sysadmins']>().toEqualTypeOf<'bypass' | 'asUsers'>()
    expectTypeOf<SyncPolicy['roleSync']>().toEqualTypeOf<'groupConstrained' | 'allLinked'>()
    expectTypeOf<SyncCommand['kind']>().toEqualTypeOf<
      | 'addTeamMember'
      | 'addChannelMember'
      | 'setTeamMemberAdmin'
      | 'setChannelMemberAdmin'
      | 'removeTeamMember'
      | 'removeChannelMember'
    >()
    expectTypeOf<SyncState>()
      .toHaveProperty('channelHistory')
      .toEqualTypeOf<readonly ChannelHistory[]>()
    expect(commands.map((c) => c.kind)).toHaveLength(6)
  })

  it('should decide with the pinned input and policy, returning the pinned fields', () => {
    const decision = pinnedDecideRole(
      {
        user: fullUser,
        syncable: channelSyncable,
        links: state.links,
        userGroupIds: ['mm_rl_ops'],
      },
      partialPolicy,
    )

    expect(decision.role).toBe('member')
    expect(decision.reason).toContain('channel infrastructure')
    expect(decision.viaGroupIds).toEqual([])
    expect(
      pinnedDecideRole({
        user: minimalUser,
        syncable: channelSyncable,
        links: state.links,
        userGroupIds: ['mm_rl_infra'],
      }).viaGroupIds,
    ).toEqual(['mm_rl_infra'])
  })

  it('should plan with a policy written to the pinned SyncPolicy shape', () => {
    const plan = pinnedPlanSync(state, policy)

    // carol is in no linked group of group-constrained team rl: 1 of 2 active members is within 0.5.
    expect(plan.commands).toContainEqual(
      expect.objectContaining({ kind: 'removeTeamMember', teamId: 'rl', userId: 'carol' }),
    )
    expect(plan.held).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.stats).toMatchObject({ users: 3 })
    expect(plan.fingerprint).toMatch(/\S/)
    expect(pinnedPlanSync(state, partialPolicy).fingerprint).not.toBe(plan.fingerprint)
  })

  it('should apply both a plan and a bare command list', () => {
    const plan = planSync(state, policy)

    expect(pinnedApplyPlan(state, plan)).toEqual(pinnedApplyPlan(state, plan.commands))
    const added = pinnedApplyPlan(state, [commands[0] as SyncCommand])
    expect(added.teamMembers).toContainEqual({
      teamId: 'rl',
      userId: 'alice',
      schemeAdmin: false,
      schemeGuest: false,
    })
  })

  it('should explain with the pinned query', () => {
    const explanation = pinnedExplain(state, { userId: 'alice', syncable: channelSyncable }, policy)

    expect(explanation.userId).toBe('alice')
    expect(explanation.syncable).toEqual(channelSyncable)
    expect(explanation.decision.role).toBe('admin')
  })
})
