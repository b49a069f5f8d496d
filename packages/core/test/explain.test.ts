import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRoleDecider, explain, planSync, type SyncCommand } from '@grouproles/core'
import { syncPolicyArb } from '@grouproles/core/testing'
import {
  bare,
  channel,
  channelMember,
  channelRef,
  group,
  link,
  state,
  syncableRefsOf,
  team,
  teamMember,
  teamRef,
  user,
} from './support/fixtures.js'
import { stateArb } from './support/arbitraries.js'
import {
  activeTeamRow,
  channelRow,
  findChannel,
  isLive,
  syncableOf,
  teamRow,
} from './support/oracle.js'

const rl = teamRef('rl')
const infrastructure = channelRef('infrastructure')

const s = state({
  users: [user('alice'), user('bob'), user('mallory')],
  groups: [
    // alice is in mm_rl_admins only through the nested group mm_rl_infra_admins.
    group('mm_rl_admins', ['alice'], {
      nesting: { alice: ['mm_rl_admins', 'mm_rl_infra_admins'] },
    }),
    group('mm_rl_infra', ['alice', 'bob']),
    group('mm_rl_old', ['bob'], { deleted: true }),
  ],
  teams: [team('rl', { groupConstrained: true })],
  channels: [channel('infrastructure', 'rl', { groupConstrained: true })],
  links: [
    link('mm_rl_admins', rl, { autoAdd: false, schemeAdmin: true }),
    link('mm_rl_infra', rl),
    link('mm_rl_infra', infrastructure),
    link('mm_rl_old', rl, { schemeAdmin: true }),
  ],
  teamMembers: [teamMember('rl', 'alice'), teamMember('rl', 'mallory')],
  channelMembers: [channelMember('infrastructure', 'mallory')],
  channelHistory: [{ channelId: 'infrastructure', userId: 'mallory' }],
})

describe('explain', () => {
  it('should show the current and desired role, and the links and nesting path behind it', () => {
    const e = explain(s, { userId: 'alice', syncable: rl })

    expect(e.current).toEqual({ member: true, leftOrRemoved: false, role: 'member' })
    expect(e.decision.role).toBe('admin')
    expect(e.decision.viaGroupIds).toEqual(['mm_rl_admins'])
    expect(e.syncableLive).toBe(true)
    expect(e.groupConstrained).toBe(true)
    expect(e.links.map((l) => [l.groupName, l.userIsMember, l.counts])).toEqual([
      ['mm_rl_admins', true, true],
      ['mm_rl_infra', true, true],
      ['mm_rl_old', false, false],
    ])
    expect(e.links[0]?.nestingPath).toEqual(['mm_rl_admins', 'mm_rl_infra_admins'])
    expect(e.links[2]?.groupDeleted).toBe(true)
    expect(e.commands.map(bare)).toEqual([
      { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: true },
    ])
    expect(e.lines.join('\n')).toContain('mm_rl_admins > mm_rl_infra_admins')
  })

  it('should show a channel add together with the team add it needs', () => {
    const e = explain(s, { userId: 'bob', syncable: infrastructure })

    expect(e.current).toEqual({ member: false, leftOrRemoved: false })
    expect(e.decision.role).toBe('member')
    expect(e.commands.map(bare)).toEqual([
      { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
      { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'member' },
    ])
  })

  it('should show a removal and a left member', () => {
    const removed = explain(s, { userId: 'mallory', syncable: rl })
    const left = explain(
      { ...s, channelMembers: [] },
      { userId: 'mallory', syncable: infrastructure },
    )

    expect(removed.commands.map(bare)).toEqual([
      { kind: 'removeTeamMember', teamId: 'rl', userId: 'mallory' },
    ])
    expect(removed.lines.some((l) => l.includes('removeTeamMember'))).toBe(true)
    expect(left.current).toEqual({ member: false, leftOrRemoved: true })
  })

  it('should explain an unknown user and a syncable that is not live', () => {
    const e = explain(
      { ...s, teams: [team('rl', { groupConstrained: true, deleted: true })] },
      { userId: 'nobody', syncable: rl },
    )

    expect(e.user).toBeUndefined()
    expect(e.syncableLive).toBe(false)
    expect(e.links.every((l) => !l.counts)).toBe(true)
    expect(e.commands).toEqual([])
  })

  it('should say which constraint applies, and show a removal left to Mattermost as such', () => {
    const both = {
      ...s,
      teams: [team('rl', { groupConstrained: true, managed: true, managedBy: 'rule 2' })],
    }

    const e = explain(
      both,
      { userId: 'mallory', syncable: rl },
      {
        groupConstrainedRemovals: 'leaveToMattermost',
      },
    )

    expect(e.groupConstrained).toBe(true)
    expect(e.managed).toBe(true)
    expect(e.managedBy).toBe('rule 2')
    expect(e.lines[0]).toBe('mallory on team rl [group-synced in Mattermost and managed by rule 2]')
    expect(e.commands).toEqual([])
    expect(e.held.map((h) => h.hold.kind)).toEqual(['leftToMattermost'])
    expect(e.lines).toContain(
      "  left to Mattermost's group sync: removeTeamMember (in no group linked to team rl (group-synced in Mattermost and managed by rule 2; also leaves its channels))",
    )
  })

  it('should explain why a non-guest outside the groups stays in town-square', () => {
    const st = state({
      users: [user('bob')],
      groups: [group('mm_rl_users', ['bob']), group('mm_rl_ts', [])],
      teams: [team('rl', { groupConstrained: true })],
      channels: [channel('town-square', 'rl', { type: 'O', managed: true, defaultChannel: true })],
      links: [link('mm_rl_users', rl), link('mm_rl_ts', channelRef('town-square'))],
      teamMembers: [teamMember('rl', 'bob')],
      channelMembers: [channelMember('town-square', 'bob')],
      channelHistory: [{ channelId: 'town-square', userId: 'bob' }],
    })

    const e = explain(st, { userId: 'bob', syncable: channelRef('town-square') })

    expect(e.commands).toEqual([])
    expect(e.lines).toEqual(
      expect.arrayContaining([
        '  default channel: new non-guest members of team rl join it',
        '  kept: Mattermost never removes a non-guest from town-square; only leaving team rl does',
      ]),
    )
  })

  it('should show the removal that undoes a default join together with the team add', () => {
    const st = state({
      users: [user('bob')],
      groups: [group('mm_rl_users', ['bob'])],
      teams: [team('rl')],
      channels: [channel('off-topic', 'rl', { type: 'O', managed: true, defaultChannel: true })],
      links: [link('mm_rl_users', rl)],
    })

    const e = explain(st, { userId: 'bob', syncable: channelRef('off-topic') })

    expect(e.commands.map((c) => [c.kind, c.reason])).toEqual([
      ['addTeamMember', 'auto-add via mm_rl_users; member (no scheme-admin group)'],
      [
        'removeChannelMember',
        'joins default channel off-topic with team rl; in no group linked to channel off-topic (managed by config)',
      ],
    ])
  })

  const queryArb = stateArb().chain((st) => {
    const refs = syncableRefsOf(st)
    const userIds = st.users.map((u) => u.id)
    return fc.tuple(
      fc.constant(st),
      userIds.length > 0 ? fc.constantFrom(...userIds) : fc.constant('nobody'),
      refs.length > 0 ? fc.constantFrom(...refs) : fc.constant(teamRef('none')),
    )
  })

  it('should always show the current membership of the raw state', () => {
    fc.assert(
      fc.property(queryArb, syncPolicyArb(), ([st, userId, syncable], policy) => {
        const e = explain(st, { userId, syncable }, policy)

        if (syncable.kind === 'team') {
          expect(e.current.member).toBe(activeTeamRow(st, syncable.id, userId) !== undefined)
          expect(e.current.leftOrRemoved).toBe(teamRow(st, syncable.id, userId)?.deleted === true)
        } else {
          expect(e.current.member).toBe(channelRow(st, syncable.id, userId) !== undefined)
        }
        expect(e.syncableLive).toBe(isLive(st, syncable))
        expect(e.links).toHaveLength(
          st.links.filter((l) => l.syncable.kind === syncable.kind && l.syncable.id === syncable.id)
            .length,
        )
      }),
    )
  })

  it('should always agree with the plan and with the role decider', () => {
    fc.assert(
      fc.property(queryArb, syncPolicyArb(), ([st, userId, syncable], policy) => {
        const e = explain(st, { userId, syncable }, policy)
        const plan = planSync(st, policy)
        const teamId =
          syncable.kind === 'channel' ? findChannel(st, syncable.id)?.teamId : undefined
        const concerns = (c: SyncCommand) => {
          const ref = syncableOf(c)
          return (
            c.userId === userId &&
            ((ref.kind === syncable.kind && ref.id === syncable.id) ||
              (ref.kind === 'team' && ref.id === teamId))
          )
        }

        expect(e.commands).toEqual(plan.commands.filter(concerns))
        expect(e.held).toEqual(plan.held.filter(concerns))
        const decided = createRoleDecider(st, policy).decide(userId, syncable)
        if (decided !== undefined) expect(e.decision.role).toBe(decided.role)
      }),
    )
  })
})
