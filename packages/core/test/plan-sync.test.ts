import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyPlan,
  planSync,
  type SyncCommand,
  type SyncPolicy,
  type SyncState,
  type SyncWarning,
} from '@grouproles/core'
import { shuffledStateArb, syncPolicyArb, untidyStateArb } from '@grouproles/core/testing'
import { stateArb } from './support/arbitraries.js'
import {
  channel,
  channelMember,
  channelRef,
  commandsOf,
  group,
  heldOf,
  link,
  state,
  team,
  teamMember,
  teamRef,
  user,
} from './support/fixtures.js'
import {
  activeMemberCount,
  activeTeamRow,
  channelRow,
  findChannel,
  findUser,
  hasHistory,
  inLinkedGroup,
  isAdd,
  isBypassed,
  isConstrained,
  isFrozen,
  isLive,
  isRemoval,
  isRoleChange,
  keyOf,
  leaves,
  liveLinksTo,
  rowOf,
  sortedKeys,
  syncableOf,
  teamRow,
  unlimited,
} from './support/oracle.js'

const rl = teamRef('rl')
const infrastructure = channelRef('infrastructure')

const warningsOf = <K extends SyncWarning['kind']>(warnings: readonly SyncWarning[], kind: K) =>
  warnings.filter((w): w is Extract<SyncWarning, { kind: K }> => w.kind === kind)

describe('planSync', () => {
  describe('rule 2: role sync', () => {
    const admins = group('mm_rl_admins', ['alice'])
    const infra = group('mm_rl_infra', ['alice', 'bob', 'erin'])
    const base = (constrained: boolean) =>
      state({
        users: [user('alice'), user('bob'), user('erin')],
        groups: [admins, infra],
        teams: [team('rl', { groupConstrained: constrained })],
        links: [
          link('mm_rl_admins', rl, { schemeAdmin: true, autoAdd: false }),
          link('mm_rl_infra', rl, { autoAdd: false }),
        ],
        teamMembers: [
          teamMember('rl', 'alice', { schemeAdmin: false }),
          teamMember('rl', 'bob', { schemeAdmin: true }),
          teamMember('rl', 'erin', { schemeAdmin: false }),
        ],
      })

    it('should promote and demote members of a group-constrained team, only where the flag differs', () => {
      const plan = planSync(base(true))

      expect(commandsOf(plan)).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: true },
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'bob', schemeAdmin: false },
      ])
      expect(plan.held).toEqual([])
    })

    it('should leave roles on a non-constrained team alone by default', () => {
      expect(commandsOf(planSync(base(false)))).toEqual([])
      expect(commandsOf(planSync(base(false), { roleSync: 'groupConstrained' }))).toEqual([])
    })

    it('should sync roles on a linked non-constrained team with allLinked', () => {
      expect(commandsOf(planSync(base(false), { roleSync: 'allLinked' }))).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: true },
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'bob', schemeAdmin: false },
      ])
    })

    it('should not sync roles on an unlinked non-constrained team even with allLinked', () => {
      const s = {
        ...base(false),
        links: [link('mm_rl_admins', rl, { schemeAdmin: true, deleted: true })],
      }

      expect(commandsOf(planSync(s, { roleSync: 'allLinked' }))).toEqual([])
    })

    it('should sync roles on a group-constrained channel from the channel’s own links', () => {
      const s = state({
        users: [user('alice'), user('bob')],
        groups: [admins, infra],
        teams: [team('rl')],
        channels: [channel('infrastructure', 'rl', { groupConstrained: true })],
        links: [
          link('mm_rl_admins', rl, { schemeAdmin: true }),
          link('mm_rl_infra', infrastructure, { schemeAdmin: false }),
        ],
        teamMembers: [teamMember('rl', 'alice', { schemeAdmin: true }), teamMember('rl', 'bob')],
        channelMembers: [
          channelMember('infrastructure', 'alice', { schemeAdmin: true }),
          channelMember('infrastructure', 'bob'),
        ],
        channelHistory: [
          { channelId: 'infrastructure', userId: 'alice' },
          { channelId: 'infrastructure', userId: 'bob' },
        ],
      })

      expect(commandsOf(planSync(s))).toEqual([
        {
          kind: 'setChannelMemberAdmin',
          channelId: 'infrastructure',
          userId: 'alice',
          schemeAdmin: false,
        },
      ])
    })

    it('should leave guest rows, bots and bypassed system admins untouched', () => {
      const s = state({
        users: [
          user('alice'),
          user('jenkins', { isBot: true }),
          user('root', { systemRole: 'admin' }),
        ],
        groups: [group('mm_rl_admins', ['alice', 'jenkins', 'root'])],
        teams: [team('rl', { groupConstrained: true })],
        links: [link('mm_rl_admins', rl, { schemeAdmin: true })],
        teamMembers: [
          teamMember('rl', 'alice', { schemeGuest: true }),
          teamMember('rl', 'jenkins'),
          teamMember('rl', 'root'),
        ],
      })
      const demoting = { ...s, links: [link('mm_rl_admins', rl, { schemeAdmin: false })] }
      const adminRows = {
        ...demoting,
        teamMembers: s.teamMembers.map((m) => ({ ...m, schemeAdmin: true })),
      }

      expect(commandsOf(planSync(s))).toEqual([])
      expect(commandsOf(planSync(adminRows))).toEqual([])
    })

    it('should sync system admins like users with asUsers', () => {
      const s = state({
        users: [user('root', { systemRole: 'admin' })],
        groups: [group('mm_rl_infra', ['root'])],
        teams: [team('rl', { groupConstrained: true })],
        links: [link('mm_rl_infra', rl)],
        teamMembers: [teamMember('rl', 'root', { schemeAdmin: true })],
      })

      expect(commandsOf(planSync(s))).toEqual([])
      expect(commandsOf(planSync(s, { sysadmins: 'asUsers' }))).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'root', schemeAdmin: false },
      ])
    })

    it('should never promote a guest account, even in a scheme-admin group', () => {
      const s = state({
        users: [user('carol', { systemRole: 'guest' })],
        groups: [group('mm_rl_admins', ['carol'])],
        teams: [team('rl', { groupConstrained: true })],
        links: [link('mm_rl_admins', rl, { schemeAdmin: true })],
        teamMembers: [teamMember('rl', 'carol')],
      })

      expect(commandsOf(planSync(s))).toEqual([])
    })

    it('should sync the role of a deactivated user’s membership (only bots and bypassed sysadmins are exempt)', () => {
      const s = state({
        users: [user('frank', { deactivated: true }), user('grace', { deactivated: true })],
        groups: [group('mm_rl_admins', ['frank']), group('mm_rl_infra', ['frank', 'grace'])],
        teams: [team('rl', { groupConstrained: true })],
        links: [link('mm_rl_admins', rl, { schemeAdmin: true }), link('mm_rl_infra', rl)],
        teamMembers: [teamMember('rl', 'frank'), teamMember('rl', 'grace', { schemeAdmin: true })],
      })

      expect(commandsOf(planSync(s))).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'frank', schemeAdmin: true },
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'grace', schemeAdmin: false },
      ])
    })

    it('should not count deleted links or deleted groups for admin', () => {
      const s = state({
        users: [user('alice'), user('bob')],
        groups: [
          group('mm_rl_admins', ['alice']),
          group('mm_old_admins', ['bob'], { deleted: true }),
          group('mm_rl_infra', ['alice', 'bob']),
        ],
        teams: [team('rl', { groupConstrained: true })],
        links: [
          link('mm_rl_admins', rl, { schemeAdmin: true, deleted: true }),
          link('mm_old_admins', rl, { schemeAdmin: true }),
          link('mm_rl_infra', rl),
        ],
        teamMembers: [
          teamMember('rl', 'alice', { schemeAdmin: true }),
          teamMember('rl', 'bob', { schemeAdmin: true }),
        ],
      })

      expect(commandsOf(planSync(s))).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: false },
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'bob', schemeAdmin: false },
      ])
    })

    it('should not touch deleted teams, deleted channels, channels of deleted teams or D/G channels', () => {
      const s = state({
        users: [user('alice'), user('bob')],
        groups: [group('mm_rl_admins', ['alice'])],
        teams: [
          team('rl', { groupConstrained: true, deleted: true }),
          team('ops', { groupConstrained: true }),
        ],
        channels: [
          channel('infrastructure', 'rl', { groupConstrained: true }),
          channel('gone', 'ops', { groupConstrained: true, deleted: true }),
          channel('dm', 'ops', { groupConstrained: true, type: 'D' }),
          channel('gm', 'ops', { groupConstrained: true, type: 'G' }),
        ],
        links: [
          link('mm_rl_admins', rl, { schemeAdmin: true }),
          ...['infrastructure', 'gone', 'dm', 'gm'].map((id) =>
            link('mm_rl_admins', channelRef(id), { schemeAdmin: true }),
          ),
        ],
        teamMembers: [teamMember('rl', 'alice'), teamMember('rl', 'bob')],
        channelMembers: ['infrastructure', 'gone', 'dm', 'gm'].flatMap((id) => [
          channelMember(id, 'alice'),
          channelMember(id, 'bob'),
        ]),
      })

      expect(commandsOf(planSync(s, { limits: unlimited }))).toEqual([])
    })
  })

  describe('rule 3: adds', () => {
    const s = state({
      users: [
        user('alice'),
        user('bob'),
        user('carol', { systemRole: 'guest' }),
        user('root', { systemRole: 'admin' }),
        user('jenkins', { isBot: true }),
        user('frank', { deactivated: true }),
        user('heidi'),
        user('ivan'),
      ],
      groups: [
        group('mm_rl_infra', ['alice', 'bob', 'carol', 'root', 'jenkins', 'frank', 'ivan']),
        group('mm_rl_admins', ['alice', 'root', 'carol', 'heidi']),
        group('mm_rl_old', ['heidi'], { deleted: true }),
      ],
      teams: [team('rl')],
      links: [
        link('mm_rl_infra', rl, { autoAdd: true }),
        link('mm_rl_admins', rl, { autoAdd: false, schemeAdmin: true }),
        link('mm_rl_old', rl, { autoAdd: true }),
      ],
      teamMembers: [teamMember('rl', 'ivan')],
    })

    it('should add each member of an auto-add group once, with the decided role', () => {
      // heidi is only in a non-auto-add group and a deleted group; frank is deactivated; ivan is in already.
      expect(commandsOf(planSync(s))).toEqual([
        { kind: 'addTeamMember', teamId: 'rl', userId: 'alice', role: 'admin' },
        { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
        { kind: 'addTeamMember', teamId: 'rl', userId: 'carol', role: 'guest' },
        { kind: 'addTeamMember', teamId: 'rl', userId: 'jenkins', role: 'member' },
        { kind: 'addTeamMember', teamId: 'rl', userId: 'root', role: 'member' },
      ])
    })

    it('should add a user in two auto-add groups only once', () => {
      const twice = {
        ...s,
        links: s.links.map((l) => ({ ...l, autoAdd: l.groupId !== 'mm_rl_old' })),
      }

      const adds = commandsOf(planSync(twice)).filter((c) => c.userId === 'alice')

      expect(adds).toEqual([
        { kind: 'addTeamMember', teamId: 'rl', userId: 'alice', role: 'admin' },
      ])
    })

    it('should not add through a deleted link', () => {
      const deleted = { ...s, links: s.links.map((l) => ({ ...l, deleted: true })) }

      expect(commandsOf(planSync(deleted))).toEqual([])
    })

    it('should decide a system admin’s role from groups with asUsers', () => {
      const added = commandsOf(planSync(s, { sysadmins: 'asUsers' })).filter(
        (c) => c.userId === 'root',
      )

      expect(added).toEqual([
        { kind: 'addTeamMember', teamId: 'rl', userId: 'root', role: 'admin' },
      ])
    })

    const leftTeam = state({
      users: [user('bob')],
      groups: [group('mm_rl_infra', ['bob'])],
      teams: [team('rl')],
      channels: [channel('infrastructure', 'rl')],
      links: [link('mm_rl_infra', rl), link('mm_rl_infra', infrastructure)],
      teamMembers: [teamMember('rl', 'bob', { deleted: true, schemeAdmin: true })],
    })

    it('should not re-add a user who left the team by default, and warn about the channel', () => {
      const plan = planSync(leftTeam)

      expect(commandsOf(plan)).toEqual([])
      expect(warningsOf(plan.warnings, 'channelAddSkipped')).toMatchObject([
        { channelId: 'infrastructure', userId: 'bob', cause: 'leftTeam' },
      ])
    })

    it('should re-add a user who left the team with reAddRemovedMembers', () => {
      const plan = planSync(leftTeam, { reAddRemovedMembers: true })

      expect(commandsOf(plan)).toEqual([
        { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
        { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'member' },
      ])
      expect(warningsOf(plan.warnings, 'channelAddSkipped')).toEqual([])
    })

    const history = state({
      users: [user('bob')],
      groups: [group('mm_rl_infra', ['bob'])],
      teams: [team('rl')],
      channels: [channel('infrastructure', 'rl')],
      links: [link('mm_rl_infra', infrastructure)],
      teamMembers: [teamMember('rl', 'bob')],
      channelHistory: [{ channelId: 'infrastructure', userId: 'bob' }],
    })

    it('should not re-add a user with channel history by default', () => {
      expect(commandsOf(planSync(history))).toEqual([])
      expect(commandsOf(planSync(history, { reAddRemovedMembers: false }))).toEqual([])
    })

    it('should re-add a user with channel history with reAddRemovedMembers', () => {
      expect(commandsOf(planSync(history, { reAddRemovedMembers: true }))).toEqual([
        { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'member' },
      ])
    })

    it('should pull the team add into the same plan for a channel add, with the team’s role', () => {
      const s2 = state({
        users: [user('alice'), user('bob')],
        groups: [group('mm_rl_infra', ['alice', 'bob']), group('mm_rl_admins', ['alice'])],
        teams: [team('rl')],
        channels: [channel('infrastructure', 'rl')],
        links: [
          link('mm_rl_infra', infrastructure, { autoAdd: true }),
          link('mm_rl_admins', rl, { autoAdd: false, schemeAdmin: true }),
        ],
      })

      expect(commandsOf(planSync(s2))).toEqual([
        { kind: 'addTeamMember', teamId: 'rl', userId: 'alice', role: 'admin' },
        { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
        { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'alice', role: 'member' },
        { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'member' },
      ])
    })

    const constrainedTeam = (teamGroupMembers: string[]) =>
      state({
        users: [user('bob')],
        groups: [group('mm_rl_infra', ['bob']), group('mm_rl_users', teamGroupMembers)],
        teams: [team('rl', { groupConstrained: true })],
        channels: [channel('infrastructure', 'rl')],
        links: [link('mm_rl_infra', infrastructure), link('mm_rl_users', rl, { autoAdd: false })],
      })

    it('should skip and warn a channel add when the team is constrained and the user is in none of its groups', () => {
      const plan = planSync(constrainedTeam([]))

      expect(commandsOf(plan)).toEqual([])
      expect(warningsOf(plan.warnings, 'channelAddSkipped')).toMatchObject([
        { channelId: 'infrastructure', userId: 'bob', cause: 'notInTeamGroups' },
      ])
    })

    it('should add to a constrained team through a non-auto-add team group for a channel add', () => {
      const plan = planSync(constrainedTeam(['bob']))

      expect(commandsOf(plan)).toEqual([
        { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
        { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'member' },
      ])
      expect(plan.warnings).toEqual([])
    })

    it('should never add a deactivated user to a channel', () => {
      const s2 = { ...history, users: [user('bob', { deactivated: true })], channelHistory: [] }

      expect(commandsOf(planSync(s2))).toEqual([])
    })
  })

  describe('rule 4: removals', () => {
    const s = state({
      users: [
        user('alice'),
        user('mallory'),
        user('carol', { systemRole: 'guest' }),
        user('frank', { deactivated: true }),
        user('jenkins', { isBot: true }),
        user('root', { systemRole: 'admin' }),
      ],
      groups: [group('mm_rl_users', ['alice'])],
      teams: [team('rl', { groupConstrained: true })],
      links: [link('mm_rl_users', rl, { autoAdd: false })],
      teamMembers: ['alice', 'mallory', 'carol', 'frank', 'jenkins', 'root'].map((u) =>
        teamMember('rl', u),
      ),
    })
    const noLimits = { limits: unlimited }

    it('should remove members in none of a constrained team’s groups; guests and deactivated users too; AutoAdd irrelevant', () => {
      expect(commandsOf(planSync(s, noLimits))).toEqual([
        { kind: 'removeTeamMember', teamId: 'rl', userId: 'carol' },
        { kind: 'removeTeamMember', teamId: 'rl', userId: 'frank' },
        { kind: 'removeTeamMember', teamId: 'rl', userId: 'mallory' },
      ])
    })

    it('should remove bypassed system admins with asUsers, never bots', () => {
      const removed = commandsOf(planSync(s, { ...noLimits, sysadmins: 'asUsers' })).map(
        (c) => c.userId,
      )

      expect(removed).toEqual(['carol', 'frank', 'mallory', 'root'])
    })

    it('should never remove from a non-constrained team', () => {
      const open = { ...s, teams: [team('rl')] }

      expect(commandsOf(planSync(open, noLimits))).toEqual([])
    })

    it('should not remove soft-deleted rows again, nor from a deleted team', () => {
      const left = { ...s, teamMembers: s.teamMembers.map((m) => ({ ...m, deleted: true })) }
      const deletedTeam = { ...s, teams: [team('rl', { groupConstrained: true, deleted: true })] }

      expect(commandsOf(planSync(left, noLimits))).toEqual([])
      expect(commandsOf(planSync(deletedTeam, noLimits))).toEqual([])
    })

    it('should remove everyone but exempt users when the team’s only link is deleted', () => {
      const unlinked = { ...s, links: [link('mm_rl_users', rl, { deleted: true })] }

      expect(commandsOf(planSync(unlinked, noLimits)).map((c) => c.userId)).toEqual([
        'alice',
        'carol',
        'frank',
        'mallory',
      ])
    })

    it('should judge a channel by its own groups only, not its team’s', () => {
      const s2 = state({
        users: [user('alice'), user('bob')],
        groups: [group('mm_rl_users', ['alice', 'bob']), group('mm_rl_infra', ['alice'])],
        teams: [team('rl', { groupConstrained: true })],
        channels: [channel('infrastructure', 'rl', { groupConstrained: true })],
        links: [link('mm_rl_users', rl), link('mm_rl_infra', infrastructure, { autoAdd: false })],
        teamMembers: [teamMember('rl', 'alice'), teamMember('rl', 'bob')],
        channelMembers: [
          channelMember('infrastructure', 'alice'),
          channelMember('infrastructure', 'bob'),
        ],
        channelHistory: [
          { channelId: 'infrastructure', userId: 'alice' },
          { channelId: 'infrastructure', userId: 'bob' },
        ],
      })

      expect(commandsOf(planSync(s2))).toEqual([
        { kind: 'removeChannelMember', channelId: 'infrastructure', userId: 'bob' },
      ])
    })

    it('should plan only the team removal for a user leaving the team; applyPlan removes the channels too', () => {
      const s2 = state({
        users: [user('alice'), user('mallory')],
        groups: [group('mm_rl_infra', ['alice'])],
        teams: [team('rl', { groupConstrained: true })],
        channels: [
          channel('infrastructure', 'rl', { groupConstrained: true }),
          channel('town-square', 'rl', { type: 'O' }),
        ],
        links: [link('mm_rl_infra', rl), link('mm_rl_infra', infrastructure)],
        teamMembers: [teamMember('rl', 'alice'), teamMember('rl', 'mallory')],
        channelMembers: [
          channelMember('infrastructure', 'alice'),
          channelMember('infrastructure', 'mallory'),
          channelMember('town-square', 'mallory'),
        ],
        channelHistory: [
          { channelId: 'infrastructure', userId: 'alice' },
          { channelId: 'infrastructure', userId: 'mallory' },
          { channelId: 'town-square', userId: 'mallory' },
        ],
      })

      const plan = planSync(s2)
      const after = applyPlan(s2, plan)

      expect(commandsOf(plan)).toEqual([
        { kind: 'removeTeamMember', teamId: 'rl', userId: 'mallory' },
      ])
      expect(after.channelMembers).toEqual([channelMember('infrastructure', 'alice')])
      expect(commandsOf(planSync(after))).toEqual([])
    })
  })

  describe('rule 5: safety', () => {
    it('should neither remove nor demote on syncables of an unavailable group, and warn', () => {
      const s = state({
        users: [user('alice'), user('bob'), user('mallory')],
        groups: [
          group('mm_rl_admins', ['alice']),
          group('mm_rl_infra', [], { status: 'unavailable' }),
        ],
        teams: [team('rl', { groupConstrained: true }), team('ops', { groupConstrained: true })],
        links: [
          link('mm_rl_admins', rl, { schemeAdmin: true, autoAdd: false }),
          link('mm_rl_infra', rl, { autoAdd: false }),
        ],
        teamMembers: [
          teamMember('rl', 'alice'),
          teamMember('rl', 'bob', { schemeAdmin: true }),
          teamMember('rl', 'mallory'),
          teamMember('ops', 'mallory'),
        ],
      })

      const plan = planSync(s, { limits: unlimited })

      // alice's promotion is safe: it rests on a group that was read.
      expect(commandsOf(plan)).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: true },
        { kind: 'removeTeamMember', teamId: 'ops', userId: 'mallory' },
      ])
      expect(warningsOf(plan.warnings, 'unavailableGroup')).toMatchObject([
        { groupId: 'mm_rl_infra', syncables: [rl] },
      ])
    })

    const strays = (members: number, stray: number): SyncState => {
      const ids = Array.from({ length: members }, (_, i) => `u${String(i).padStart(3, '0')}`)
      return state({
        users: ids.map((id) => user(id)),
        groups: [group('mm_rl_users', ids.slice(stray))],
        teams: [team('rl', { groupConstrained: true })],
        links: [link('mm_rl_users', rl, { autoAdd: false })],
        teamMembers: ids.map((id) => teamMember('rl', id)),
      })
    }

    it('should hold all removals of a syncable that would lose more than maxRemovalFraction', () => {
      const plan = planSync(strays(4, 3))

      expect(commandsOf(plan)).toEqual([])
      expect(heldOf(plan)).toEqual(
        ['u000', 'u001', 'u002'].map((userId) => ({
          kind: 'removeTeamMember',
          teamId: 'rl',
          userId,
        })),
      )
      expect(plan.held[0]?.hold).toEqual({
        kind: 'maxRemovalFraction',
        syncable: rl,
        removals: 3,
        activeMembers: 4,
        limit: 0.5,
      })
      expect(warningsOf(plan.warnings, 'removalsHeld')).toMatchObject([{ count: 3 }])
      expect(plan.held.every((h) => h.reason.length > 0)).toBe(true)
    })

    it('should not hold at exactly maxRemovalFraction', () => {
      expect(heldOf(planSync(strays(6, 3)))).toEqual([])
      expect(commandsOf(planSync(strays(6, 3)))).toHaveLength(3)
    })

    it('should hold by default even when a small syncable loses only one or two members', () => {
      // The issue gates every syncable: emptying a one- or two-person team is held too.
      expect(heldOf(planSync(strays(1, 1)))).toHaveLength(1)
      expect(heldOf(planSync(strays(2, 2)))).toHaveLength(2)
      expect(commandsOf(planSync(strays(2, 2)))).toEqual([])
      expect(commandsOf(planSync(strays(2, 1)))).toHaveLength(1)
    })

    it('should apply the fraction only from fractionMinRemovals removals on, when asked to', () => {
      const lenient = { limits: { fractionMinRemovals: 3 } }

      expect(heldOf(planSync(strays(2, 2), lenient))).toEqual([])
      expect(commandsOf(planSync(strays(2, 2), lenient))).toHaveLength(2)
      expect(heldOf(planSync(strays(4, 3), lenient))).toHaveLength(3)
      expect(heldOf(planSync(strays(2, 2), { limits: { fractionMinRemovals: 2 } }))).toHaveLength(2)
    })

    it('should hold all removals beyond maxRemovals', () => {
      const plan = planSync(strays(10, 3), { limits: { maxRemovals: 2 } })

      expect(commandsOf(plan)).toEqual([])
      expect(heldOf(plan)).toHaveLength(3)
      expect(plan.held.map((h) => h.hold)).toEqual(
        Array(3).fill({ kind: 'maxRemovals', removals: 3, limit: 2 }),
      )
      expect(commandsOf(planSync(strays(10, 3), { limits: { maxRemovals: 3 } }))).toHaveLength(3)
    })

    it('should default to maxRemovals 100', () => {
      expect(heldOf(planSync(strays(250, 101)))).toHaveLength(101)
      expect(heldOf(planSync(strays(250, 100)))).toEqual([])
    })

    it('should hold nothing with Infinity and 1', () => {
      const plan = planSync(strays(200, 150), { limits: unlimited })

      expect(plan.held).toEqual([])
      expect(commandsOf(plan)).toHaveLength(150)
    })

    // 150k removals on one team: a spread of that list into push() overflowed the call stack.
    it('should plan or hold 150,000 removals of one team without overflowing the stack', () => {
      const big = strays(150_000, 150_000)

      expect(commandsOf(planSync(big, { limits: unlimited }))).toHaveLength(150_000)
      const held = planSync(big)
      expect(held.commands).toEqual([])
      expect(held.held).toHaveLength(150_000)
    })

    it('should hold removals but still plan adds and role changes', () => {
      const s = strays(4, 3)
      const withAdd = {
        ...s,
        users: [...s.users, user('zed')],
        groups: [group('mm_rl_users', ['u003', 'zed'])],
        links: [link('mm_rl_users', rl, { autoAdd: true, schemeAdmin: true })],
      }

      const plan = planSync(withAdd)

      expect(commandsOf(plan)).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'u003', schemeAdmin: true },
        { kind: 'addTeamMember', teamId: 'rl', userId: 'zed', role: 'admin' },
      ])
      expect(heldOf(plan)).toHaveLength(3)
    })
  })

  describe('rule 6: plan order', () => {
    // A small FreeIPA-style deployment with one command of each kind.
    const s = state({
      users: [user('alice'), user('bob'), user('carol'), user('mallory'), user('zed')],
      groups: [
        group('mm_rl_admins', ['alice']),
        group('mm_rl_infra', ['alice', 'bob', 'zed']),
        group('mm_ops', ['bob']),
      ],
      teams: [team('rl', { groupConstrained: true }), team('ops', { groupConstrained: true })],
      channels: [
        channel('infrastructure', 'rl', { groupConstrained: true }),
        channel('alerts', 'ops', { type: 'O', groupConstrained: true }),
      ],
      links: [
        link('mm_rl_admins', rl, { autoAdd: false, schemeAdmin: true }),
        link('mm_rl_infra', rl),
        link('mm_rl_infra', infrastructure),
        link('mm_ops', teamRef('ops')),
        link('mm_ops', channelRef('alerts')),
      ],
      teamMembers: [
        teamMember('rl', 'alice'),
        teamMember('rl', 'mallory'),
        teamMember('ops', 'bob', { schemeAdmin: true }),
        teamMember('ops', 'carol'),
      ],
      channelMembers: [
        channelMember('infrastructure', 'alice', { schemeAdmin: true }),
        channelMember('infrastructure', 'mallory'),
        channelMember('infrastructure', 'carol'),
        channelMember('alerts', 'alice'),
        // bob keeps alerts at 2 members, so alice's removal stays under maxRemovalFraction.
        channelMember('alerts', 'bob'),
      ],
      channelHistory: [
        { channelId: 'infrastructure', userId: 'alice' },
        { channelId: 'infrastructure', userId: 'mallory' },
        { channelId: 'infrastructure', userId: 'carol' },
        { channelId: 'alerts', userId: 'alice' },
        { channelId: 'alerts', userId: 'bob' },
      ],
    })
    const expected: SyncCommand[] = [
      { kind: 'setTeamMemberAdmin', teamId: 'ops', userId: 'bob', schemeAdmin: false },
      { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: true },
      {
        kind: 'setChannelMemberAdmin',
        channelId: 'infrastructure',
        userId: 'alice',
        schemeAdmin: false,
      },
      { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
      { kind: 'addTeamMember', teamId: 'rl', userId: 'zed', role: 'member' },
      { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'bob', role: 'member' },
      { kind: 'addChannelMember', channelId: 'infrastructure', userId: 'zed', role: 'member' },
      { kind: 'removeChannelMember', channelId: 'alerts', userId: 'alice' },
      { kind: 'removeChannelMember', channelId: 'infrastructure', userId: 'carol' },
      { kind: 'removeTeamMember', teamId: 'ops', userId: 'carol' },
      { kind: 'removeTeamMember', teamId: 'rl', userId: 'mallory' },
    ]

    it('should order role changes, team adds, channel adds, channel removals, team removals, each by (syncable, user)', () => {
      const plan = planSync(s)

      expect(commandsOf(plan)).toEqual(expected)
      expect(plan.held).toEqual([])
      expect(plan.warnings).toEqual([])
      expect(plan.commands.every((c) => c.reason.length > 0)).toBe(true)
    })

    it('should give the same plan for reversed input arrays', () => {
      const reversed: SyncState = {
        users: [...s.users].reverse(),
        groups: [...s.groups]
          .reverse()
          .map((g) => ({ ...g, memberIds: [...g.memberIds].reverse() })),
        teams: [...s.teams].reverse(),
        channels: [...s.channels].reverse(),
        links: [...s.links].reverse(),
        teamMembers: [...s.teamMembers].reverse(),
        channelMembers: [...s.channelMembers].reverse(),
        channelHistory: [...s.channelHistory].reverse(),
      }

      expect(planSync(reversed)).toEqual(planSync(s))
    })

    // Rows grouped by syncable keep their positions in the index; interleaved rows are sorted.
    it('should give the same plan for rows grouped by syncable and rows interleaved', () => {
      const bySyncable = <T>(rows: readonly T[], key: (row: T) => string): T[] =>
        [...rows].sort((x, y) => key(x).localeCompare(key(y)))
      const byUser = <T extends { userId: string }>(rows: readonly T[]): T[] =>
        [...rows].sort((x, y) => x.userId.localeCompare(y.userId))
      const withStrays: SyncState = {
        ...s,
        channelHistory: [
          ...s.channelHistory,
          { channelId: 'infrastructure', userId: 'mallory' },
          { channelId: 'gone', userId: 'bob' },
          { channelId: 'infrastructure', userId: 'nobody' },
        ],
      }
      const grouped: SyncState = {
        ...withStrays,
        teamMembers: bySyncable(withStrays.teamMembers, (m) => m.teamId),
        channelMembers: bySyncable(withStrays.channelMembers, (m) => m.channelId),
        channelHistory: bySyncable(withStrays.channelHistory, (m) => m.channelId),
      }
      const interleaved: SyncState = {
        ...withStrays,
        teamMembers: byUser(withStrays.teamMembers),
        channelMembers: byUser(withStrays.channelMembers),
        channelHistory: byUser(withStrays.channelHistory),
      }
      expect(new Set(interleaved.teamMembers.map((m) => m.teamId)).size).toBeGreaterThan(1)
      expect(interleaved.teamMembers.map((m) => m.teamId)).not.toEqual(
        grouped.teamMembers.map((m) => m.teamId),
      )

      expect(planSync(interleaved)).toEqual(planSync(grouped))
    })

    it('should pick the same one of two rows for a group whatever the order of their members', () => {
      const rows = (first: string[]) =>
        state({
          users: [user('alice'), user('bob'), user('carol')],
          groups: [group('mm_rl_infra', first), group('mm_rl_infra', ['alice', 'carol'])],
          teams: [team('rl')],
          links: [link('mm_rl_infra', rl)],
        })

      const plan = planSync(rows(['bob', 'alice']))

      expect(planSync(rows(['alice', 'bob']))).toEqual(plan)
      expect(planSync(rows(['alice', 'bob', 'bob']))).toEqual(plan)
    })

    it('should give the same reasons whichever of two auto-add groups is listed first', () => {
      const twoGroups = state({
        users: [user('bob')],
        groups: [group('mm_rl_infra', ['bob']), group('mm_rl_users', ['bob'])],
        teams: [team('rl')],
        channels: [channel('infrastructure', 'rl')],
        links: [
          link('mm_rl_infra', rl),
          link('mm_rl_users', rl),
          link('mm_rl_infra', infrastructure),
          link('mm_rl_users', infrastructure),
        ],
      })

      const forward = planSync(twoGroups)
      const backward = planSync({ ...twoGroups, links: [...twoGroups.links].reverse() })

      expect(backward.commands).toEqual(forward.commands)
    })

    it('should converge on the example: the next plan is empty', () => {
      expect(commandsOf(planSync(applyPlan(s, planSync(s))))).toEqual([])
    })
  })

  describe('reasons', () => {
    it('should name every scheme-admin group behind an admin add or a promotion, sorted by name', () => {
      // Group ids sort the other way round from their names; ops is joined for its channel alerts
      // while the channel's admin groups are being named, so both kinds of syncable interleave.
      const s = state({
        users: [user('alice'), user('bob'), user('carol')],
        groups: [
          group('g1', ['alice', 'bob'], { name: 'mm_z_admins' }),
          group('g2', ['alice'], { name: 'mm_a_admins' }),
          group('g3', ['alice', 'bob', 'carol'], { name: 'mm_users' }),
        ],
        teams: [team('rl', { groupConstrained: true }), team('ops')],
        channels: [channel('infra', 'rl'), channel('alerts', 'ops')],
        links: [
          link('g1', rl, { autoAdd: false, schemeAdmin: true }),
          link('g2', rl, { autoAdd: false, schemeAdmin: true }),
          link('g3', rl),
          link('g1', channelRef('infra'), { autoAdd: false, schemeAdmin: true }),
          link('g3', channelRef('infra')),
          link('g2', teamRef('ops'), { autoAdd: false, schemeAdmin: true }),
          link('g1', channelRef('alerts'), { autoAdd: false, schemeAdmin: true }),
          link('g3', channelRef('alerts')),
        ],
        teamMembers: [teamMember('rl', 'bob')],
        channelMembers: [channelMember('infra', 'bob')],
        channelHistory: [{ channelId: 'infra', userId: 'bob' }],
      })

      const reasons = planSync(s).commands.map((c) => [
        c.kind,
        'teamId' in c ? c.teamId : c.channelId,
        c.userId,
        c.reason,
      ])

      expect(reasons).toEqual([
        ['setTeamMemberAdmin', 'rl', 'bob', 'promote: admin via mm_z_admins'],
        [
          'addTeamMember',
          'ops',
          'alice',
          'joins team for channel alerts (auto-add via mm_users); admin via mm_a_admins',
        ],
        [
          'addTeamMember',
          'ops',
          'bob',
          'joins team for channel alerts (auto-add via mm_users); member (no scheme-admin group)',
        ],
        [
          'addTeamMember',
          'ops',
          'carol',
          'joins team for channel alerts (auto-add via mm_users); member (no scheme-admin group)',
        ],
        [
          'addTeamMember',
          'rl',
          'alice',
          'auto-add via mm_users; admin via mm_a_admins, mm_z_admins',
        ],
        ['addTeamMember', 'rl', 'carol', 'auto-add via mm_users; member (no scheme-admin group)'],
        ['addChannelMember', 'alerts', 'alice', 'auto-add via mm_users; admin via mm_z_admins'],
        ['addChannelMember', 'alerts', 'bob', 'auto-add via mm_users; admin via mm_z_admins'],
        [
          'addChannelMember',
          'alerts',
          'carol',
          'auto-add via mm_users; member (no scheme-admin group)',
        ],
        ['addChannelMember', 'infra', 'alice', 'auto-add via mm_users; admin via mm_z_admins'],
        [
          'addChannelMember',
          'infra',
          'carol',
          'auto-add via mm_users; member (no scheme-admin group)',
        ],
      ])
    })
  })

  // ---------------------------------------------------------------------------------------------
  // Properties. Each checks planSync's output directly against the raw state (support/oracle.ts).

  const policyArb = syncPolicyArb()
  /** Arbitrary policy, but limits that hold nothing back. */
  const unlimitedPolicyArb: fc.Arbitrary<SyncPolicy> = policyArb.map((p) => ({
    ...p,
    limits: { ...p.limits, ...unlimited },
  }))
  /** States without unavailable groups: the precondition of convergence, by construction. */
  const knownStateArb = stateArb().map((s) => ({
    ...s,
    groups: s.groups.map((g) => ({ ...g, status: 'complete' as const })),
  }))

  it('should always converge: with nothing held and no group unavailable, the next plan is empty', () => {
    fc.assert(
      fc.property(knownStateArb, unlimitedPolicyArb, (s, policy) => {
        const plan = planSync(s, policy)
        const next = planSync(applyPlan(s, plan), policy)

        expect(plan.held).toEqual([])
        expect(commandsOf(next)).toEqual([])
        expect(next.held).toEqual([])
      }),
    )
  })

  it('should always be idempotent: applying a plan twice is applying it once', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        const once = applyPlan(s, plan)
        const twice = applyPlan(once, plan)

        expect(sortedRows(twice)).toEqual(sortedRows(once))
      }),
    )
  })

  it('should always give the same plan for any order of every input array', () => {
    fc.assert(
      fc.property(
        stateArb().chain((s) => fc.tuple(fc.constant(s), shuffledStateArb(s))),
        policyArb,
        ([s, shuffled], policy) => {
          expect(planSync(shuffled, policy)).toEqual(planSync(s, policy))
        },
      ),
    )
  })

  it('should always give the same plan for any order of a state with duplicate and unknown-reference rows', () => {
    fc.assert(
      fc.property(
        stateArb()
          .chain(untidyStateArb)
          .chain((s) => fc.tuple(fc.constant(s), shuffledStateArb(s), shuffledStateArb(s))),
        policyArb,
        ([s, a, b], policy) => {
          const plan = planSync(s, policy)

          expect(planSync(a, policy)).toEqual(plan)
          expect(planSync(b, policy)).toEqual(plan)
        },
      ),
    )
  })

  it('should never plan a command whose effect already holds, nor two for one (kind, syncable, user)', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        const all = [...commandsOf(plan), ...heldOf(plan)]

        expect(new Set(all.map(keyOf)).size).toBe(all.length)
        for (const c of all) {
          const row = rowOf(s, c)
          if (isAdd(c) || c.kind === 'removeChannelMember' || c.kind === 'removeTeamMember') {
            expect(row === undefined).toBe(isAdd(c))
          } else {
            expect(row?.schemeAdmin).toBe(!c.schemeAdmin)
          }
        }
        // Nothing is changed that the same plan also takes away.
        for (const c of all.filter(isRoleChange))
          expect(leaves(s, all, syncableOf(c), c.userId)).toBe(false)
        for (const c of all.filter((x) => x.kind === 'removeChannelMember')) {
          const teamId = findChannel(s, syncableOf(c).id)?.teamId ?? ''
          expect(
            all.some(
              (x) => x.kind === 'removeTeamMember' && x.teamId === teamId && x.userId === c.userId,
            ),
          ).toBe(false)
        }
      }),
    )
  })

  it('should never make a guest admin', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        for (const c of commandsOf(planSync(s, policy))) {
          const u = findUser(s, c.userId)
          if (isAdd(c)) expect(c.role === 'guest').toBe(u?.systemRole === 'guest')
          if (isRoleChange(c) && c.schemeAdmin) {
            expect(u?.systemRole).not.toBe('guest')
            expect(rowOf(s, c)?.schemeGuest).toBe(false)
          }
        }
      }),
    )
  })

  it('should never remove or re-role a bot or a bypassed system admin', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        for (const c of [...commandsOf(plan), ...heldOf(plan)]) {
          if (!isRemoval(c) && !isRoleChange(c)) continue
          const u = findUser(s, c.userId)
          expect(u).toBeDefined()
          expect(u?.isBot === true).toBe(false)
          expect(u !== undefined && isBypassed(u, policy)).toBe(false)
        }
      }),
    )
  })

  it('should never remove from, or by default re-role on, a syncable that is not group-constrained', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const byDefault = planSync(s)
        for (const c of [...commandsOf(byDefault), ...heldOf(byDefault)]) {
          if (isRemoval(c) || isRoleChange(c)) expect(isConstrained(s, syncableOf(c))).toBe(true)
        }
        const withPolicy = planSync(s, policy)
        for (const c of [...commandsOf(withPolicy), ...heldOf(withPolicy)]) {
          const ref = syncableOf(c)
          if (isRemoval(c)) expect(isConstrained(s, ref)).toBe(true)
          if (isRoleChange(c)) {
            const synced =
              isConstrained(s, ref) ||
              (policy.roleSync === 'allLinked' && liveLinksTo(s, ref).length > 0)
            expect(synced).toBe(true)
          }
        }
      }),
    )
  })

  it('should never add a deactivated user, and name only live syncables and existing users', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        for (const c of [...commandsOf(plan), ...heldOf(plan)]) {
          const u = findUser(s, c.userId)
          expect(u).toBeDefined()
          expect(isLive(s, syncableOf(c))).toBe(true)
          if (isAdd(c)) expect(u?.deactivated === true).toBe(false)
        }
      }),
    )
  })

  it('should always hold back exactly what the unlimited plan has more: commands ∪ held = unlimited plan', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const limited = planSync(s, policy)
        const free = planSync(s, { ...policy, limits: { ...policy.limits, ...unlimited } })

        expect(free.held).toEqual([])
        expect(sortedKeys([...commandsOf(limited), ...heldOf(limited)])).toEqual(
          sortedKeys(commandsOf(free)),
        )
        expect(limited.held.every((h) => isRemoval(h))).toBe(true)
      }),
    )
  })

  it('should never remove or demote on a syncable linked to an unavailable group', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        for (const c of [...commandsOf(plan), ...heldOf(plan)]) {
          if (isRemoval(c) || (isRoleChange(c) && !c.schemeAdmin))
            expect(isFrozen(s, syncableOf(c))).toBe(false)
        }
        const warned = new Set(warningsOf(plan.warnings, 'unavailableGroup').map((w) => w.groupId))
        for (const g of s.groups) {
          if (g.status === 'unavailable' && g.deleted !== true) expect(warned.has(g.id)).toBe(true)
        }
      }),
    )
  })

  it('should remove exactly the active members in none of the syncable’s live groups (unlimited)', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const all = commandsOf(
          planSync(s, { ...policy, limits: { ...policy.limits, ...unlimited } }),
        )
        const removed = new Set(all.filter(isRemoval).map(keyOf))
        const due = (ref: { kind: 'team' | 'channel'; id: string }, userId: string) => {
          const u = findUser(s, userId)
          return (
            u !== undefined &&
            isLive(s, ref) &&
            isConstrained(s, ref) &&
            !isFrozen(s, ref) &&
            u.isBot !== true &&
            !isBypassed(u, policy) &&
            !inLinkedGroup(s, ref, userId)
          )
        }
        for (const m of s.teamMembers) {
          if (m.deleted === true) continue
          const planned = removed.has(`removeTeamMember|${m.teamId}|${m.userId}`)
          expect(planned).toBe(due({ kind: 'team', id: m.teamId }, m.userId))
        }
        for (const m of s.channelMembers) {
          const teamId = findChannel(s, m.channelId)?.teamId ?? ''
          const viaTeam = removed.has(`removeTeamMember|${teamId}|${m.userId}`)
          const planned = removed.has(`removeChannelMember|${m.channelId}|${m.userId}`)
          if (viaTeam) expect(planned).toBe(false)
          else expect(planned).toBe(due({ kind: 'channel', id: m.channelId }, m.userId))
        }
      }),
    )
  })

  it('should change exactly the roles that differ from the decided role (unlimited)', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const all = commandsOf(
          planSync(s, { ...policy, limits: { ...policy.limits, ...unlimited } }),
        )
        const changes = new Map(all.filter(isRoleChange).map((c) => [keyOf(c), c.schemeAdmin]))
        const check = (
          kind: 'team' | 'channel',
          id: string,
          row: { userId: string; schemeAdmin: boolean; schemeGuest: boolean },
        ) => {
          const ref = { kind, id }
          const u = findUser(s, row.userId)
          const key = `${kind === 'team' ? 'setTeamMemberAdmin' : 'setChannelMemberAdmin'}|${id}|${row.userId}`
          const synced =
            isLive(s, ref) &&
            (isConstrained(s, ref) ||
              (policy.roleSync === 'allLinked' && liveLinksTo(s, ref).length > 0))
          if (
            !synced ||
            row.schemeGuest ||
            u === undefined ||
            u.isBot === true ||
            isBypassed(u, policy) ||
            leaves(s, all, ref, row.userId)
          ) {
            expect(changes.has(key)).toBe(false)
            return
          }
          const admin =
            u.systemRole !== 'guest' && inLinkedGroup(s, ref, row.userId, (l) => l.schemeAdmin)
          const due = admin !== row.schemeAdmin && (admin || !isFrozen(s, ref))
          expect(changes.get(key)).toBe(due ? admin : undefined)
        }
        for (const m of s.teamMembers) if (m.deleted !== true) check('team', m.teamId, m)
        for (const m of s.channelMembers) check('channel', m.channelId, m)
      }),
    )
  })

  it('should add exactly the auto-add group members who are not active members, with the decided role', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        const all = commandsOf(plan)
        const adds = new Map(all.filter(isAdd).map((c) => [keyOf(c), c]))
        const skipped = warningsOf(plan.warnings, 'channelAddSkipped')
        const roleFor = (ref: { kind: 'team' | 'channel'; id: string }, userId: string) => {
          const u = findUser(s, userId)
          if (u?.systemRole === 'guest') return 'guest'
          if (u === undefined || isBypassed(u, policy)) return 'member'
          return inLinkedGroup(s, ref, userId, (l) => l.schemeAdmin) ? 'admin' : 'member'
        }
        const addable = (userId: string) => {
          const u = findUser(s, userId)
          return u !== undefined && u.deactivated !== true
        }
        const autoAddMembers = (ref: { kind: 'team' | 'channel'; id: string }) =>
          new Set(
            liveLinksTo(s, ref)
              .filter((l) => l.autoAdd)
              .flatMap((l) => s.groups.find((g) => g.id === l.groupId)?.memberIds ?? []),
          )

        for (const t of s.teams) {
          const ref = { kind: 'team' as const, id: t.id }
          const wanted = isLive(s, ref) ? autoAddMembers(ref) : new Set<string>()
          for (const u of s.users) {
            const row = teamRow(s, t.id, u.id)
            const add = adds.get(`addTeamMember|${t.id}|${u.id}`)
            const due =
              wanted.has(u.id) &&
              addable(u.id) &&
              (row === undefined || (row.deleted === true && policy.reAddRemovedMembers))
            // A team add may also be pulled in by a channel add of that team (checked below).
            const pulled = all.some(
              (c) =>
                c.kind === 'addChannelMember' &&
                c.userId === u.id &&
                findChannel(s, c.channelId)?.teamId === t.id,
            )
            if (due)
              expect(add).toEqual({
                kind: 'addTeamMember',
                teamId: t.id,
                userId: u.id,
                role: roleFor(ref, u.id),
              })
            else if (!pulled) expect(add).toBeUndefined()
            if (add !== undefined) {
              expect(activeTeamRow(s, t.id, u.id)).toBeUndefined()
              expect(add.role).toBe(roleFor(ref, u.id))
              expect(addable(u.id)).toBe(true)
              if (teamRow(s, t.id, u.id)?.deleted === true)
                expect(policy.reAddRemovedMembers).toBe(true)
            }
            if (add !== undefined && !due && isConstrained(s, ref)) {
              // Pulled in by a channel add: never someone the same plan (or the next) would remove.
              // Bots and bypassed sysadmins are never removed, so they may join (an open point).
              const exempt = u.isBot === true || isBypassed(u, policy)
              expect(exempt || inLinkedGroup(s, ref, u.id)).toBe(true)
            }
          }
        }

        for (const c of s.channels) {
          const ref = { kind: 'channel' as const, id: c.id }
          const wanted = isLive(s, ref) ? autoAddMembers(ref) : new Set<string>()
          for (const u of s.users) {
            const add = adds.get(`addChannelMember|${c.id}|${u.id}`)
            const due =
              wanted.has(u.id) &&
              addable(u.id) &&
              channelRow(s, c.id, u.id) === undefined &&
              (policy.reAddRemovedMembers || !hasHistory(s, c.id, u.id))
            const warning = skipped.find((w) => w.channelId === c.id && w.userId === u.id)
            if (!due) {
              expect(add).toBeUndefined()
              expect(warning).toBeUndefined()
              continue
            }
            // Either added with the decided role, or skipped with a warning whose cause holds.
            expect(add === undefined).toBe(warning !== undefined)
            const row = teamRow(s, c.teamId, u.id)
            const leavesTeam = all.some(
              (x) => x.kind === 'removeTeamMember' && x.teamId === c.teamId && x.userId === u.id,
            )
            const teamRef_ = { kind: 'team' as const, id: c.teamId }
            if (add !== undefined) {
              expect(add.role).toBe(roleFor(ref, u.id))
              expect(leavesTeam).toBe(false)
              const inTeam = row !== undefined && row.deleted !== true
              if (!inTeam) expect(adds.has(`addTeamMember|${c.teamId}|${u.id}`)).toBe(true)
              if (row?.deleted === true) expect(policy.reAddRemovedMembers).toBe(true)
            }
            if (warning?.cause === 'leftTeam') {
              expect(row?.deleted).toBe(true)
              expect(policy.reAddRemovedMembers).toBe(false)
            }
            if (warning?.cause === 'notInTeamGroups') {
              expect(isConstrained(s, teamRef_)).toBe(true)
              expect(inLinkedGroup(s, teamRef_, u.id)).toBe(false)
            }
          }
        }
      }),
    )
  })

  it('should always keep removals within the limits, holding them with a true reason', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        const kept = commandsOf(plan).filter(isRemoval)
        const { maxRemovals, maxRemovalFraction, fractionMinRemovals } = policy.limits
        expect(kept.length).toBeLessThanOrEqual(maxRemovals)
        const per = new Map<string, number>()
        for (const c of kept)
          per.set(JSON.stringify(syncableOf(c)), (per.get(JSON.stringify(syncableOf(c))) ?? 0) + 1)
        for (const [ref, n] of per) {
          const active = activeMemberCount(
            s,
            JSON.parse(ref) as { kind: 'team' | 'channel'; id: string },
          )
          expect(n < fractionMinRemovals || n <= maxRemovalFraction * active).toBe(true)
        }
        for (const h of plan.held) {
          if (h.hold.kind === 'maxRemovals') {
            expect(h.hold.removals).toBeGreaterThan(maxRemovals)
          } else if (h.hold.kind === 'maxRemovalFraction') {
            const ref = h.hold.syncable
            const removals = [...commandsOf(plan), ...heldOf(plan)].filter(
              (c) => isRemoval(c) && JSON.stringify(syncableOf(c)) === JSON.stringify(ref),
            )
            expect(syncableOf(h)).toEqual(ref)
            expect(h.hold.removals).toBe(removals.length)
            expect(h.hold.activeMembers).toBe(activeMemberCount(s, ref))
            expect(removals.length).toBeGreaterThanOrEqual(fractionMinRemovals)
            expect(removals.length).toBeGreaterThan(maxRemovalFraction * h.hold.activeMembers)
          }
        }
      }),
    )
  })

  it('should always order commands by kind, then syncable id, then user id', () => {
    // Role changes (team, then channel), team adds, channel adds, channel removals, team removals.
    const kinds: SyncCommand['kind'][] = [
      'setTeamMemberAdmin',
      'setChannelMemberAdmin',
      'addTeamMember',
      'addChannelMember',
      'removeChannelMember',
      'removeTeamMember',
    ]
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        for (const list of [commandsOf(plan), heldOf(plan)]) {
          for (let i = 1; i < list.length; i++) {
            const a = list[i - 1]!
            const b = list[i]!
            const ka = kinds.indexOf(a.kind)
            const kb = kinds.indexOf(b.kind)
            expect(ka < kb || (ka === kb && compareIds(a, b) < 0)).toBe(true)
          }
        }
      }),
    )
  })
})

function compareIds(a: SyncCommand, b: SyncCommand): number {
  const sa = syncableOf(a).id
  const sb = syncableOf(b).id
  if (sa !== sb) return sa < sb ? -1 : 1
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0
}

/** The membership side of a state as sorted JSON lines: equal iff the memberships are equal. */
function sortedRows(s: SyncState): string[][] {
  return [s.teamMembers, s.channelMembers, s.channelHistory].map((rows) =>
    rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort(),
  )
}
