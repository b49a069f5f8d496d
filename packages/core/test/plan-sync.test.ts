import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyPlan,
  commandSyncable,
  planSync,
  type SyncableRef,
  type Channel,
  type SyncPolicyInput,
  type Team,
  type SyncCommand,
  type SyncPolicy,
  type SyncState,
  type SyncWarning,
} from '@grouproles/core'
import { shuffledStateArb, syncPolicyArb, untidyStateArb } from '@grouproles/core/testing'
import { stateArb } from './support/arbitraries.js'
import {
  bare,
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
  carriedOut,
  channelRow,
  defaultJoins,
  findChannel,
  findUser,
  hasHistory,
  inLinkedGroup,
  isAdd,
  isBypassed,
  isConstrained,
  isFrozen,
  isGroupConstrained,
  isLeftHold,
  isLeftToMattermost,
  isLive,
  isManaged,
  isRemoval,
  isRoleChange,
  keepsTownSquare,
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

  describe('managed syncables: planned like group-constrained ones', () => {
    const managedTeam = (rlTeam: Team = team('rl', { managed: true, managedBy: 'rule 2' })) =>
      state({
        users: [user('alice'), user('bob'), user('mallory')],
        groups: [group('mm_rl_admins', ['alice']), group('mm_rl_users', ['alice', 'bob'])],
        teams: [rlTeam],
        links: [
          link('mm_rl_admins', rl, { autoAdd: false, schemeAdmin: true }),
          link('mm_rl_users', rl, { autoAdd: false }),
        ],
        teamMembers: [
          teamMember('rl', 'alice'),
          teamMember('rl', 'bob', { schemeAdmin: true }),
          teamMember('rl', 'mallory'),
        ],
      })
    const reasons = (s: SyncState, policy?: SyncPolicyInput) =>
      [...planSync(s, policy).commands, ...planSync(s, policy).held].map((c) => [
        c.kind,
        c.userId,
        c.reason,
      ])

    it('should remove and re-role on a managed team Mattermost does not constrain, saying it is managed', () => {
      expect(reasons(managedTeam(), { limits: unlimited })).toEqual([
        ['setTeamMemberAdmin', 'alice', 'promote: admin via mm_rl_admins (managed by rule 2)'],
        [
          'setTeamMemberAdmin',
          'bob',
          'demote: in no scheme-admin group linked here (managed by rule 2)',
        ],
        [
          'removeTeamMember',
          'mallory',
          'in no group linked to team rl (managed by rule 2; also leaves its channels)',
        ],
      ])
    })

    it('should say which constraint a removal rests on: Mattermost’s, the config’s or both', () => {
      const removalReason = (extra: Partial<Team>) =>
        planSync(managedTeam(team('rl', extra)), { limits: unlimited }).commands.find(
          (c) => c.kind === 'removeTeamMember',
        )?.reason

      expect(removalReason({ managed: true })).toBe(
        'in no group linked to team rl (managed by config; also leaves its channels)',
      )
      expect(removalReason({ groupConstrained: true, managed: true, managedBy: 'rule 2' })).toBe(
        'in no group linked to team rl (group-synced in Mattermost and managed by rule 2; also leaves its channels)',
      )
      expect(removalReason({ groupConstrained: true, managedBy: 'rule 2' })).toBe(
        'in no group linked to team rl (group-synced in Mattermost; also leaves its channels)',
      )
      expect(removalReason({ managed: false, managedBy: 'rule 2' })).toBeUndefined()
    })

    it('should remove from a managed channel by its own groups, and count managed syncables as constrained', () => {
      const s = state({
        users: [user('alice'), user('bob')],
        groups: [group('mm_rl_infra', ['alice'])],
        teams: [team('rl'), team('ops')],
        channels: [
          channel('infrastructure', 'rl', { managed: true, managedBy: 'the manage list' }),
        ],
        links: [link('mm_rl_infra', infrastructure, { autoAdd: false })],
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

      const plan = planSync(s)

      expect(plan.commands).toEqual([
        {
          kind: 'removeChannelMember',
          channelId: 'infrastructure',
          userId: 'bob',
          reason: 'in no group linked to channel infrastructure (managed by the manage list)',
        },
      ])
      expect(plan.stats.constrainedSyncables).toBe(1)
    })

    it('should skip and warn a channel add into a managed team for a user in none of its groups', () => {
      const s = state({
        users: [user('bob')],
        groups: [group('mm_rl_infra', ['bob']), group('mm_rl_users', [])],
        teams: [team('rl', { managed: true })],
        channels: [channel('infrastructure', 'rl')],
        links: [link('mm_rl_infra', infrastructure), link('mm_rl_users', rl, { autoAdd: false })],
      })

      const plan = planSync(s)

      expect(commandsOf(plan)).toEqual([])
      expect(warningsOf(plan.warnings, 'channelAddSkipped')).toMatchObject([
        { channelId: 'infrastructure', userId: 'bob', cause: 'notInTeamGroups' },
      ])
    })
  })

  describe('groupConstrainedRemovals: leaveToMattermost', () => {
    const leave = { groupConstrainedRemovals: 'leaveToMattermost' } as const
    // rl is group-constrained in Mattermost; its channels are only managed here.
    const s = state({
      users: [user('alice'), user('mallory')],
      groups: [group('mm_rl_users', ['alice']), group('mm_rl_alerts', ['alice', 'mallory'])],
      teams: [team('rl', { groupConstrained: true })],
      channels: [
        channel('infrastructure', 'rl', { managed: true }),
        channel('alerts', 'rl', { managed: true }),
      ],
      links: [
        link('mm_rl_users', rl, { autoAdd: false }),
        link('mm_rl_users', infrastructure, { autoAdd: false }),
        link('mm_rl_alerts', channelRef('alerts')),
      ],
      teamMembers: [teamMember('rl', 'alice'), teamMember('rl', 'mallory', { schemeAdmin: true })],
      channelMembers: [
        channelMember('infrastructure', 'alice'),
        channelMember('infrastructure', 'mallory', { schemeAdmin: true }),
      ],
      channelHistory: [
        { channelId: 'infrastructure', userId: 'alice' },
        { channelId: 'infrastructure', userId: 'mallory' },
      ],
    })

    it('should hold a removal from a group-constrained team as left to Mattermost, with no warning', () => {
      const plan = planSync(s, leave)

      expect(plan.held).toEqual([
        {
          kind: 'removeTeamMember',
          teamId: 'rl',
          userId: 'mallory',
          reason:
            'in no group linked to team rl (group-synced in Mattermost; also leaves its channels)',
          hold: { kind: 'leftToMattermost', syncable: rl },
        },
      ])
      expect(warningsOf(plan.warnings, 'removalsHeld')).toEqual([])
      expect(plan.stats).toMatchObject({ held: 1, leftToMattermost: 1 })
    })

    it('should plan the user as a member until Mattermost removes them: roles, managed channels, no channel adds', () => {
      const plan = planSync(s, leave)

      // Mattermost's own sync does the same, channels first; what the REST API can do is done now.
      expect(commandsOf(plan)).toEqual([
        { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'mallory', schemeAdmin: false },
        { kind: 'addChannelMember', channelId: 'alerts', userId: 'alice', role: 'member' },
        { kind: 'removeChannelMember', channelId: 'infrastructure', userId: 'mallory' },
      ])
      expect(warningsOf(plan.warnings, 'channelAddSkipped')).toMatchObject([
        { channelId: 'alerts', userId: 'mallory', cause: 'notInTeamGroups' },
      ])
      // With 'apply' the team removal is a command and takes her out of the channels itself.
      expect(commandsOf(planSync(s))).toEqual([
        { kind: 'addChannelMember', channelId: 'alerts', userId: 'alice', role: 'member' },
        { kind: 'removeTeamMember', teamId: 'rl', userId: 'mallory' },
      ])
    })

    it('should converge with only removals left to Mattermost', () => {
      const plan = planSync(s, leave)
      const next = planSync(applyPlan(s, plan), leave)

      expect(next.commands).toEqual([])
      expect(next.held).toEqual(plan.held)
    })

    it('should count removals left to Mattermost towards no limit, and leave managed-only ones to no one', () => {
      const ids = ['u1', 'u2', 'u3', 'u4']
      const strays = state({
        users: ids.map((id) => user(id)),
        groups: [group('mm_users', ['u4'])],
        teams: [team('rl', { groupConstrained: true }), team('ops', { managed: true })],
        links: [
          link('mm_users', rl, { autoAdd: false }),
          link('mm_users', teamRef('ops'), { autoAdd: false }),
        ],
        teamMembers: [
          ...ids.map((id) => teamMember('rl', id)),
          teamMember('ops', 'u4'),
          teamMember('ops', 'u1'),
        ],
      })
      const limits = { maxRemovals: 1 }

      const plan = planSync(strays, { ...leave, limits })

      // rl loses 3 of its 4 members and ops 1 of its 2: only ops's removal counts, and it is kept.
      expect(commandsOf(plan)).toEqual([{ kind: 'removeTeamMember', teamId: 'ops', userId: 'u1' }])
      expect(plan.held.map((h) => [commandSyncable(h).id, h.userId, h.hold.kind])).toEqual([
        ['rl', 'u1', 'leftToMattermost'],
        ['rl', 'u2', 'leftToMattermost'],
        ['rl', 'u3', 'leftToMattermost'],
      ])
      expect(plan.warnings).toEqual([])
      // The same removals under 'apply': rl's are held by the fraction, 4 in all by maxRemovals.
      expect(
        planSync(strays, { limits }).held.map((h) => [
          commandSyncable(h).id,
          h.userId,
          h.hold.kind,
        ]),
      ).toEqual([
        ['rl', 'u1', 'maxRemovalFraction'],
        ['rl', 'u2', 'maxRemovalFraction'],
        ['rl', 'u3', 'maxRemovalFraction'],
      ])
      expect(
        planSync(strays, { limits: { ...limits, maxRemovalFraction: 1 } }).held.map(
          (h) => h.hold.kind,
        ),
      ).toEqual(Array(4).fill('maxRemovals'))
    })
  })

  describe('town-square (Mattermost never removes a non-guest from it)', () => {
    const townSquare = channelRef('town-square')
    const s = state({
      users: [user('alice'), user('bob'), user('carol', { systemRole: 'guest' }), user('mallory')],
      groups: [group('mm_rl_users', ['alice', 'bob', 'carol']), group('mm_rl_ts', ['alice'])],
      teams: [team('rl', { groupConstrained: true })],
      channels: [
        channel('town-square', 'rl', { type: 'O', groupConstrained: true, defaultChannel: true }),
      ],
      links: [
        link('mm_rl_users', rl, { autoAdd: false }),
        link('mm_rl_ts', townSquare, { autoAdd: false }),
      ],
      teamMembers: [
        teamMember('rl', 'alice'),
        teamMember('rl', 'bob'),
        teamMember('rl', 'carol', { schemeGuest: true }),
        teamMember('rl', 'mallory'),
      ],
      channelMembers: [
        channelMember('town-square', 'alice'),
        channelMember('town-square', 'bob', { schemeAdmin: true }),
        channelMember('town-square', 'carol', { schemeGuest: true }),
        channelMember('town-square', 'mallory'),
      ],
      channelHistory: ['alice', 'bob', 'carol', 'mallory'].map((userId) => ({
        channelId: 'town-square',
        userId,
      })),
    })

    it('should keep a non-guest (still syncing the role), remove a guest, and let a team removal take anyone out', () => {
      const plan = planSync(s, { limits: unlimited })

      expect(commandsOf(plan)).toEqual([
        {
          kind: 'setChannelMemberAdmin',
          channelId: 'town-square',
          userId: 'bob',
          schemeAdmin: false,
        },
        { kind: 'removeChannelMember', channelId: 'town-square', userId: 'carol' },
        { kind: 'removeTeamMember', teamId: 'rl', userId: 'mallory' },
      ])
      const after = applyPlan(s, plan)
      expect(after.channelMembers.map((m) => m.userId).sort()).toEqual(['alice', 'bob'])
      expect(commandsOf(planSync(after, { limits: unlimited }))).toEqual([])
    })

    it('should go by the name alone, whatever the channel’s type', () => {
      const privateOne = {
        ...s,
        channels: [channel('town-square', 'rl', { type: 'P', groupConstrained: true })],
      }

      const removed = commandsOf(planSync(privateOne, { limits: unlimited })).filter(isRemoval)

      expect(removed.map((c) => c.userId)).toEqual(['carol', 'mallory'])
    })
  })

  describe('default channels (Mattermost joins a new non-guest team member to them)', () => {
    const s = state({
      users: [user('alice'), user('bob'), user('carol', { systemRole: 'guest' })],
      groups: [
        group('mm_rl_users', ['alice', 'bob', 'carol']),
        group('mm_rl_ts_admins', ['alice']),
        group('mm_rl_social', ['bob']),
      ],
      teams: [team('rl')],
      channels: [
        channel('town-square', 'rl', { type: 'O', defaultChannel: true, groupConstrained: true }),
        channel('off-topic', 'rl', { type: 'O', defaultChannel: true, managed: true }),
        channel('private', 'rl', { type: 'P', defaultChannel: true, managed: true }),
        channel('archived', 'rl', {
          type: 'O',
          defaultChannel: true,
          managed: true,
          deleted: true,
        }),
      ],
      links: [
        link('mm_rl_users', rl),
        link('mm_rl_ts_admins', channelRef('town-square'), { autoAdd: false, schemeAdmin: true }),
        link('mm_rl_social', channelRef('off-topic'), { autoAdd: false }),
      ],
    })

    it('should anticipate the joins of planned team adds: a removal where the channel removes them, else the admin flag', () => {
      const plan = planSync(s)

      expect(plan.commands.map((c) => [c.kind, commandSyncable(c).id, c.userId, c.reason])).toEqual(
        [
          [
            'addTeamMember',
            'rl',
            'alice',
            'auto-add via mm_rl_users; member (no scheme-admin group)',
          ],
          [
            'addTeamMember',
            'rl',
            'bob',
            'auto-add via mm_rl_users; member (no scheme-admin group)',
          ],
          [
            'addTeamMember',
            'rl',
            'carol',
            'auto-add via mm_rl_users; guest account, added as guest',
          ],
          [
            'addChannelMember',
            'town-square',
            'alice',
            'joins default channel town-square with team rl; admin via mm_rl_ts_admins',
          ],
          [
            'removeChannelMember',
            'off-topic',
            'alice',
            'joins default channel off-topic with team rl; in no group linked to channel off-topic (managed by config)',
          ],
        ],
      )
      expect(plan.held).toEqual([])
    })

    it('should converge in one apply: the joins, the admin flag and the removal all land', () => {
      const plan = planSync(s)
      const after = applyPlan(s, plan)

      expect(after.channelMembers).toEqual(
        expect.arrayContaining([
          channelMember('town-square', 'alice', { schemeAdmin: true }),
          channelMember('town-square', 'bob'),
          channelMember('off-topic', 'bob'),
        ]),
      )
      expect(after.channelMembers).toHaveLength(3)
      expect(hasHistory(after, 'off-topic', 'alice')).toBe(true)
      expect(commandsOf(planSync(after))).toEqual([])
    })

    it('should leave the removal from a group-constrained default channel to Mattermost when asked to', () => {
      const constrained = {
        ...s,
        channels: s.channels.map((c) =>
          c.id === 'off-topic' ? { ...c, groupConstrained: true } : c,
        ),
      }

      const plan = planSync(constrained, { groupConstrainedRemovals: 'leaveToMattermost' })

      expect(heldOf(plan)).toEqual([
        { kind: 'removeChannelMember', channelId: 'off-topic', userId: 'alice' },
      ])
      expect(plan.held[0]?.hold.kind).toBe('leftToMattermost')
      expect(
        commandsOf(
          planSync(applyPlan(constrained, plan), { groupConstrainedRemovals: 'leaveToMattermost' }),
        ),
      ).toEqual([])
    })

    it('should not anticipate a join for a user with a row, a user the plan adds itself, or a guest', () => {
      const s2 = {
        ...s,
        links: [...s.links, link('mm_rl_ts_admins', channelRef('off-topic'))],
        channelMembers: [channelMember('town-square', 'alice')],
        channelHistory: [{ channelId: 'town-square', userId: 'alice' }],
      }

      const channelCommands = commandsOf(planSync(s2)).filter((c) => !('teamId' in c))

      // alice keeps her town-square row (its role sync promotes her), and off-topic adds her itself.
      expect(channelCommands).toEqual([
        {
          kind: 'setChannelMemberAdmin',
          channelId: 'town-square',
          userId: 'alice',
          schemeAdmin: true,
        },
        { kind: 'addChannelMember', channelId: 'off-topic', userId: 'alice', role: 'member' },
      ])
    })

    it('should not count undoing a default join as losing a member, but hold it with the channel’s other removals', () => {
      const nobodySocial = {
        ...s,
        groups: s.groups.map((g) => (g.id === 'mm_rl_social' ? { ...g, memberIds: [] } : g)),
      }
      const withMembers = {
        ...nobodySocial,
        teamMembers: [teamMember('rl', 'dave')],
        users: [...s.users, user('dave')],
        channelMembers: [channelMember('off-topic', 'dave')],
        channelHistory: [{ channelId: 'off-topic', userId: 'dave' }],
      }

      // off-topic has no member to lose: both joins are undone at once.
      expect(heldOf(planSync(nobodySocial))).toEqual([])
      expect(
        commandsOf(planSync(nobodySocial))
          .filter(isRemoval)
          .map((c) => c.userId),
      ).toEqual(['alice', 'bob'])
      // dave, its one member, would go too: all three removals wait for review.
      const held = planSync(withMembers).held
      expect(held.map((h) => h.userId)).toEqual(['alice', 'bob', 'dave'])
      expect(held[0]?.hold).toEqual({
        kind: 'maxRemovalFraction',
        syncable: channelRef('off-topic'),
        removals: 1,
        activeMembers: 1,
        limit: 0.5,
      })
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

  it('should always converge: with nothing held for review and no group unavailable, the next plan is empty', () => {
    fc.assert(
      fc.property(knownStateArb, unlimitedPolicyArb, (s, policy) => {
        const plan = planSync(s, policy)
        const next = planSync(applyPlan(s, plan), policy)

        expect(plan.held.filter((h) => !isLeftHold(h))).toEqual([])
        expect(commandsOf(next)).toEqual([])
        // What is left to Mattermost stays left, and nothing else turns up.
        expect(sortedKeys(heldOf(next))).toEqual(sortedKeys(heldOf(plan)))
        expect(next.held.every(isLeftHold)).toBe(true)
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
        const joins = new Set(
          defaultJoins(s, commandsOf(plan)).map((j) => `${j.channelId}|${j.userId}`),
        )

        expect(new Set(all.map(keyOf)).size).toBe(all.length)
        for (const c of all) {
          const row = rowOf(s, c)
          if (isAdd(c)) expect(row).toBeUndefined()
          else if (c.kind === 'removeChannelMember' && row === undefined)
            // Only a row the plan's own team add makes by a default join.
            expect(joins.has(`${c.channelId}|${c.userId}`)).toBe(true)
          else if (isRemoval(c)) expect(row).toBeDefined()
          else expect(row?.schemeAdmin).toBe(!c.schemeAdmin)
        }
        // Nothing is changed that the same plan also takes away (what it leaves to Mattermost,
        // it does not take away: until Mattermost does, the user is planned as a member).
        const done = carriedOut(plan)
        for (const c of all.filter(isRoleChange))
          expect(leaves(s, done, syncableOf(c), c.userId)).toBe(false)
        for (const c of done.filter((x) => x.kind === 'removeChannelMember')) {
          const teamId = findChannel(s, syncableOf(c).id)?.teamId ?? ''
          expect(
            done.some(
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

  it('should never remove from, or by default re-role on, a syncable that is neither group-constrained nor managed', () => {
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

        expect(free.held.every(isLeftHold)).toBe(true)
        expect(sortedKeys([...commandsOf(limited), ...heldOf(limited)])).toEqual(
          sortedKeys([...commandsOf(free), ...heldOf(free)]),
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
        const plan = planSync(s, { ...policy, limits: { ...policy.limits, ...unlimited } })
        const removals = [...commandsOf(plan), ...heldOf(plan)].filter(isRemoval)
        const removed = new Set(removals.map(keyOf))
        const teamRemovalsDone = new Set(
          commandsOf(plan)
            .filter((c) => c.kind === 'removeTeamMember')
            .map(keyOf),
        )
        const due = (ref: { kind: 'team' | 'channel'; id: string }, userId: string) => {
          const u = findUser(s, userId)
          return (
            u !== undefined &&
            isLive(s, ref) &&
            isConstrained(s, ref) &&
            !isFrozen(s, ref) &&
            u.isBot !== true &&
            !isBypassed(u, policy) &&
            !inLinkedGroup(s, ref, userId) &&
            !(ref.kind === 'channel' && keepsTownSquare(s, ref.id, userId))
          )
        }
        for (const m of s.teamMembers) {
          if (m.deleted === true) continue
          const planned = removed.has(`removeTeamMember|${m.teamId}|${m.userId}`)
          expect(planned).toBe(due({ kind: 'team', id: m.teamId }, m.userId))
        }
        for (const m of s.channelMembers) {
          const teamId = findChannel(s, m.channelId)?.teamId ?? ''
          const viaTeam = teamRemovalsDone.has(`removeTeamMember|${teamId}|${m.userId}`)
          const planned = removed.has(`removeChannelMember|${m.channelId}|${m.userId}`)
          if (viaTeam) expect(planned).toBe(false)
          else expect(planned).toBe(due({ kind: 'channel', id: m.channelId }, m.userId))
        }
        // A default join the plan's team adds cause is undone right away where it would be removed.
        for (const j of defaultJoins(s, commandsOf(plan)))
          expect(removed.has(`removeChannelMember|${j.channelId}|${j.userId}`)).toBe(
            due({ kind: 'channel', id: j.channelId }, j.userId),
          )
        // Left to Mattermost exactly where Mattermost constrains and the policy says so.
        for (const h of plan.held) {
          expect(h.hold).toEqual({ kind: 'leftToMattermost', syncable: syncableOf(h) })
          expect(isLeftToMattermost(s, syncableOf(h), policy)).toBe(true)
        }
        for (const c of commandsOf(plan).filter(isRemoval))
          expect(isLeftToMattermost(s, syncableOf(c), policy)).toBe(false)
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
        const joins = new Set(defaultJoins(s, all).map((j) => `${j.channelId}|${j.userId}`))
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
              // Else only the admin flag of a default join (see the default-join property).
              if (add !== undefined) {
                expect(joins.has(`${c.id}|${u.id}`)).toBe(true)
                expect(add.role).toBe('admin')
              }
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
        const review = plan.held.filter((h) => !isLeftHold(h))
        const { maxRemovals, maxRemovalFraction, fractionMinRemovals } = policy.limits
        // Undoing a default join of the plan's own team add loses no member: only removals of
        // existing rows count towards the fraction.
        const losses = (list: readonly SyncCommand[], ref: SyncableRef) =>
          list.filter(
            (c) => isRemoval(c) && sameRef(syncableOf(c), ref) && rowOf(s, c) !== undefined,
          ).length
        expect(kept.length).toBeLessThanOrEqual(maxRemovals)
        for (const ref of new Set(kept.map((c) => JSON.stringify(syncableOf(c))))) {
          const target = JSON.parse(ref) as SyncableRef
          const n = losses(kept, target)
          expect(
            n < fractionMinRemovals || n <= maxRemovalFraction * activeMemberCount(s, target),
          ).toBe(true)
        }
        for (const h of review) {
          if (h.hold.kind === 'maxRemovals') {
            expect(h.hold.removals).toBeGreaterThan(maxRemovals)
            // Removals left to Mattermost count towards no limit.
            expect(h.hold.removals).toBe(review.filter((x) => x.hold.kind === 'maxRemovals').length)
          } else if (h.hold.kind === 'maxRemovalFraction') {
            const ref = h.hold.syncable
            const done = carriedOut(plan)
            expect(syncableOf(h)).toEqual(ref)
            // The whole syncable is held, including the default joins it would undo.
            expect(
              done
                .filter((c) => isRemoval(c) && sameRef(syncableOf(c), ref))
                .every((c) => 'hold' in c),
            ).toBe(true)
            expect(h.hold.removals).toBe(losses(done, ref))
            expect(h.hold.activeMembers).toBe(activeMemberCount(s, ref))
            expect(h.hold.removals).toBeGreaterThanOrEqual(fractionMinRemovals)
            expect(h.hold.removals).toBeGreaterThan(maxRemovalFraction * h.hold.activeMembers)
          } else {
            expect.unreachable('a review hold is maxRemovals or maxRemovalFraction')
          }
        }
        // What is left to Mattermost is never held for review and never warned about.
        for (const h of plan.held.filter(isLeftHold))
          expect(isLeftToMattermost(s, syncableOf(h), policy)).toBe(true)
        expect(
          warningsOf(plan.warnings, 'removalsHeld').every(
            (w) => w.hold.kind !== 'leftToMattermost',
          ),
        ).toBe(true)
        expect(plan.stats.leftToMattermost).toBe(plan.held.filter(isLeftHold).length)
        expect(plan.stats.held).toBe(plan.held.length)
      }),
    )
  })

  it('should never plan removing a non-guest from a channel named town-square', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        for (const c of [...commandsOf(plan), ...heldOf(plan)])
          if (c.kind === 'removeChannelMember')
            expect(keepsTownSquare(s, c.channelId, c.userId)).toBe(false)
      }),
    )
  })

  it('should always plan a managed syncable as if Mattermost group-constrained it, reasons apart', () => {
    // Only Mattermost's own flag decides what is left to Mattermost, so compare under 'apply'.
    const constrainedInstead = (s: SyncState): SyncState => ({
      ...s,
      teams: s.teams.map((t): Team => ({
        id: t.id,
        name: t.name,
        groupConstrained: t.groupConstrained || t.managed === true,
        ...(t.deleted === true ? { deleted: true } : {}),
      })),
      channels: s.channels.map((c): Channel => ({
        id: c.id,
        teamId: c.teamId,
        name: c.name,
        type: c.type,
        groupConstrained: c.groupConstrained || c.managed === true,
        ...(c.deleted === true ? { deleted: true } : {}),
        ...(c.defaultChannel === true ? { defaultChannel: true } : {}),
      })),
    })
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const applying = { ...policy, groupConstrainedRemovals: 'apply' as const }
        const plan = planSync(s, applying)
        const same = planSync(constrainedInstead(s), applying)

        expect(commandsOf(plan)).toEqual(commandsOf(same))
        expect(plan.held.map((h) => [bare(h), h.hold])).toEqual(
          same.held.map((h) => [bare(h), h.hold]),
        )
        expect(plan.warnings.map((w) => w.kind)).toEqual(same.warnings.map((w) => w.kind))
        expect(plan.stats.constrainedSyncables).toBe(same.stats.constrainedSyncables)
      }),
    )
  })

  it('should always say in a removal’s reason which constraint it rests on', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const plan = planSync(s, policy)
        for (const c of [...plan.commands, ...plan.held]) {
          if (!isRemoval(c)) continue
          const ref = syncableOf(c)
          expect(c.reason.includes('group-synced in Mattermost')).toBe(isGroupConstrained(s, ref))
          expect(c.reason.includes('managed by ')).toBe(isManaged(s, ref))
        }
      }),
    )
  })

  it('should never let the limits touch what is left to Mattermost', () => {
    fc.assert(
      fc.property(stateArb(), policyArb, (s, policy) => {
        const leaving = { ...policy, groupConstrainedRemovals: 'leaveToMattermost' as const }
        const limited = planSync(s, leaving)
        const free = planSync(s, { ...leaving, limits: { ...leaving.limits, ...unlimited } })

        expect(limited.held.filter(isLeftHold)).toEqual(free.held)
        for (const c of carriedOut(limited).filter(isRemoval))
          expect(isGroupConstrained(s, syncableOf(c))).toBe(false)
      }),
    )
  })

  it('should always anticipate a default join: removed if the channel would remove them, else made admin if its role sync says so', () => {
    fc.assert(
      fc.property(stateArb(), unlimitedPolicyArb, (s, policy) => {
        const plan = planSync(s, policy)
        const all = [...commandsOf(plan), ...heldOf(plan)]
        const about = (channelId: string, userId: string) =>
          all.filter((c) => 'channelId' in c && c.channelId === channelId && c.userId === userId)
        for (const { channelId, userId } of defaultJoins(s, commandsOf(plan))) {
          const ref = { kind: 'channel' as const, id: channelId }
          const u = findUser(s, userId)
          const autoAdded = liveLinksTo(s, ref).some(
            (l) =>
              l.autoAdd && s.groups.some((g) => g.id === l.groupId && g.memberIds.includes(userId)),
          )
          const ownAdd =
            autoAdded && (policy.reAddRemovedMembers || !hasHistory(s, channelId, userId))
          const removed =
            !ownAdd &&
            isConstrained(s, ref) &&
            !isFrozen(s, ref) &&
            u?.isBot !== true &&
            !(u !== undefined && isBypassed(u, policy)) &&
            !inLinkedGroup(s, ref, userId) &&
            !keepsTownSquare(s, channelId, userId)
          const synced =
            isConstrained(s, ref) ||
            (policy.roleSync === 'allLinked' && liveLinksTo(s, ref).length > 0)
          const admin =
            u !== undefined &&
            !isBypassed(u, policy) &&
            inLinkedGroup(s, ref, userId, (l) => l.schemeAdmin)
          const expected: SyncCommand[] = ownAdd
            ? about(channelId, userId) // its own add, checked by the add property
            : removed
              ? [{ kind: 'removeChannelMember', channelId, userId }]
              : synced && admin
                ? [{ kind: 'addChannelMember', channelId, userId, role: 'admin' }]
                : []
          expect(about(channelId, userId)).toEqual(expected)
          if (ownAdd)
            expect(about(channelId, userId).map((c) => c.kind)).toEqual(['addChannelMember'])
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

function sameRef(a: SyncableRef, b: SyncableRef): boolean {
  return a.kind === b.kind && a.id === b.id
}

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
