import type { ChannelMember, SyncableRef, TeamMember, User } from '../model.js'
import {
  blocksReAdd,
  channelAddSkip,
  freezes,
  keepsTownSquare,
  leavesRemovalsToMattermost,
  removesMembers,
  roleChange,
  syncsRoles,
} from '../rules.js'
import type { HoldReason, PlannedCommand, SyncWarning } from '../sync-command.js'
import type { ResolvedSyncPolicy } from '../sync-policy.js'
import { AdminGroupNames } from './admin-group-names.js'
import { HistoryTable } from './history-table.js'
import { intAt, itemAt } from './int-at.js'
import type {
  ChannelRemoval,
  Held,
  PlannedRemovals,
  RemovalRun,
  TeamRemoval,
} from './removal-limits.js'
import type { LiveLink, StateIndex, SyncableSlot } from './state-index.js'
import { stampArray } from './stamps.js'
import { UserTraits } from './user-traits.js'
import { UnknownUsers } from './warnings.js'

export type TeamCommand = PlannedCommand & { readonly teamId: string }
export type ChannelCommand = PlannedCommand & { readonly channelId: string }

/**
 * What the planner knows about users on the team being planned, as stamp arrays (`stampArray`):
 * `x[u] === t` says the fact holds for user slot `u` on team slot `t`. Stays valid while the team's
 * channels are planned right after it (they add users to the team and ask about its removals).
 */
interface TeamScratch {
  /** Has a row on the team (active or soft-deleted)… */
  readonly member: Int32Array
  /** … at this position of the row layout (where `member` is the team). */
  readonly rowAt: Int32Array
  readonly inLinkedGroup: Int32Array
  readonly inAdminGroup: Int32Array
  /** Removed from the team by this plan. */
  readonly removed: Int32Array
  /** The team's removal of the user is left to Mattermost: still planned as a member meanwhile. */
  readonly leftToMattermost: Int32Array
  /** Added to the team by this plan. */
  readonly added: Int32Array
}

/** What the planner knows about users on the channel being planned (stamp arrays, by channel slot). */
interface ChannelScratch {
  readonly member: Int32Array
  readonly inLinkedGroup: Int32Array
  readonly inAdminGroup: Int32Array
  /** Already looked at for an auto-add (a user in two auto-add groups is added once). */
  readonly considered: Int32Array
}

/**
 * The plan loops: each team, then its channels, then what the team adds do to its default
 * channels. Every decision is a rule of rules.ts; the user rules are read from `UserTraits`, the
 * per-syncable facts from stamp arrays that never need clearing between syncables. Hot loops read
 * typed arrays directly with a guard (`?? -1`), so each read site keeps its own type feedback.
 */
export class Planner implements PlannedRemovals {
  readonly teamRoles: TeamCommand[] = []
  readonly channelRoles: ChannelCommand[] = []
  readonly teamAdds: TeamCommand[] = []
  readonly channelAdds: ChannelCommand[] = []
  readonly teamRemovals: TeamRemoval[] = []
  readonly channelRemovals: ChannelRemoval[] = []
  /**
   * Removals come out one syncable at a time: each run is one syncable's, for the limits (a
   * default channel can have a second run, from `planDefaultJoins`).
   */
  readonly removalRuns: RemovalRun[] = []
  /** Removals from syncables Mattermost group-constrains, under `leaveToMattermost`: no limits. */
  readonly leftTeam: Held<TeamRemoval>[] = []
  readonly leftChannel: Held<ChannelRemoval>[] = []
  readonly warnings: SyncWarning[]
  readonly #index: StateIndex
  readonly #policy: ResolvedSyncPolicy
  readonly #traits: UserTraits
  readonly #frozen: boolean[]
  readonly #unknownUsers: UnknownUsers
  readonly #team: TeamScratch
  readonly #channel: ChannelScratch
  /** User slots of the current team's adds, in the order of their commands (for default joins). */
  readonly #teamAddUsers: number[] = []
  /** Default channels of the current team: the user slots each one adds. */
  readonly #defaultChannelAdds = new Map<number, number[]>()
  /** The default channel whose own adds are being looked at (made on first use). */
  #addedToDefaultChannel: Int32Array | undefined
  readonly #history: HistoryTable
  readonly #teamAdminNames: AdminGroupNames
  readonly #channelAdminNames: AdminGroupNames

  constructor(index: StateIndex, policy: ResolvedSyncPolicy) {
    this.#index = index
    this.#policy = policy
    this.warnings = [...index.warnings]
    this.#frozen = frozenSyncables(index, this.warnings)
    this.#unknownUsers = new UnknownUsers(this.warnings)
    const n = index.users.length
    this.#traits = new UserTraits(index.users, policy)
    this.#team = {
      member: stampArray(n),
      rowAt: new Int32Array(n),
      inLinkedGroup: stampArray(n),
      inAdminGroup: stampArray(n),
      removed: stampArray(n),
      leftToMattermost: stampArray(n),
      added: stampArray(n),
    }
    this.#channel = {
      member: stampArray(n),
      inLinkedGroup: stampArray(n),
      inAdminGroup: stampArray(n),
      considered: stampArray(n),
    }
    this.#history = new HistoryTable(index.channelHistory, index.historyLaneA, index.historyLaneB)
    this.#teamAdminNames = new AdminGroupNames(n)
    this.#channelAdminNames = new AdminGroupNames(n)
  }

  planTeam(t: number): void {
    const team = itemAt(this.#index.syncables, t)
    const policy = this.#policy
    const traits = this.#traits
    const { users, rowUser } = this.#index
    const { member, rowAt, inLinkedGroup, inAdminGroup, removed, leftToMattermost, added } =
      this.#team
    const { rowStart, rowEnd } = team
    markLinks(team.links, t, inLinkedGroup, inAdminGroup)
    for (let p = rowStart; p < rowEnd; p++) {
      const u = rowUser[p] ?? -1
      if (u < 0) continue
      member[u] = t
      rowAt[u] = p
    }

    this.#teamAddUsers.length = 0
    this.#defaultChannelAdds.clear()
    const roleSynced = syncsRoles(team.constrained, team.links.length, policy)
    const removing = removesMembers(team.constrained, this.#frozen[t] === true)
    const leaving = removing && leavesRemovalsToMattermost(team, policy)
    const removalsBefore = this.teamRemovals.length
    const removalReason = `in no group linked to team ${team.name} (${team.constraint}; also leaves its channels)`
    let leftHold: HoldReason | undefined
    const { teamMembers, rowInput } = this.#index
    for (let p = rowStart; p < rowEnd; p++) {
      const r = teamMembers[rowInput[p] ?? -1]
      if (r === undefined || r.deleted === true) continue
      const u = rowUser[p] ?? -1
      if (u < 0) {
        if (roleSynced) this.#unknownUsers.note(r.userId, team.ref)
        continue
      }
      if (removing && inLinkedGroup[u] !== t && !traits.isExemptFromRemoval(u)) {
        if (!leaving) {
          removed[u] = t
          this.teamRemovals.push({
            kind: 'removeTeamMember',
            teamId: team.ref.id,
            userId: r.userId,
            reason: removalReason,
          })
          continue
        }
        // Mattermost's own sync removes them (its channel pass first, then the team). Until it
        // does they are members: their roles and channel rows are planned as anyone's.
        leftToMattermost[u] = t
        this.leftTeam.push({
          kind: 'removeTeamMember',
          teamId: team.ref.id,
          userId: r.userId,
          reason: removalReason,
          hold: (leftHold ??= { kind: 'leftToMattermost', syncable: team.ref }),
        })
      }
      const reason = roleSynced ? this.#roleChange(u, r, inAdminGroup[u] === t, t) : undefined
      if (reason !== undefined)
        this.teamRoles.push({
          kind: 'setTeamMemberAdmin',
          teamId: team.ref.id,
          userId: r.userId,
          schemeAdmin: !r.schemeAdmin,
          reason,
        })
    }

    this.#run('team', t, removalsBefore, this.teamRemovals.length)

    for (const l of team.links) {
      if (!l.link.autoAdd) continue
      const via = new Via(l)
      const members = l.members
      for (let i = 0; i < members.length; i++) {
        const u = members[i] ?? -1
        if (u < 0 || added[u] === t) continue
        const hadRow = member[u] === t
        if (hadRow) {
          const existing = this.#teamRowAt(intAt(rowAt, u))
          if (existing.deleted !== true || blocksReAdd(true, policy)) continue
        }
        if (!traits.isAutoAddable(u)) continue
        const user = itemAt(users, u)
        added[u] = t
        const how = hadRow ? via.reAdd('re-add (left or was removed)') : via.autoAdd
        this.teamAdds.push(this.#add('team', t, u, user, inAdminGroup[u] === t, how))
        this.#teamAddUsers.push(u)
      }
    }
  }

  planChannel(c: number): void {
    const { syncables, users, rowUser, rowInput, channelMembers } = this.#index
    const channel = itemAt(syncables, c)
    const t = channel.teamSlot
    const team = itemAt(syncables, t)
    const policy = this.#policy
    const traits = this.#traits
    const { member, inLinkedGroup, inAdminGroup, considered } = this.#channel
    const { rowStart, rowEnd } = channel
    markLinks(channel.links, c, inLinkedGroup, inAdminGroup)
    for (let p = rowStart; p < rowEnd; p++) {
      const u = rowUser[p] ?? -1
      if (u >= 0) member[u] = c
    }

    const roleSynced = syncsRoles(channel.constrained, channel.links.length, policy)
    const removing = removesMembers(channel.constrained, this.#frozen[c] === true)
    const leaving = removing && leavesRemovalsToMattermost(channel, policy)
    const removalsBefore = this.channelRemovals.length
    const removalReason = `in no group linked to channel ${channel.name} (${channel.constraint})`
    const removedFromTeam = this.#team.removed
    let leftHold: HoldReason | undefined
    for (let p = rowStart; p < rowEnd; p++) {
      const r = channelMembers[rowInput[p] ?? -1]
      const u = rowUser[p] ?? -1
      if (r === undefined) continue
      if (u < 0) {
        if (roleSynced) this.#unknownUsers.note(r.userId, channel.ref)
        continue
      }
      // Leaving the team takes the user out of its channels: no channel command of its own.
      if (removedFromTeam[u] === t) continue
      if (
        removing &&
        inLinkedGroup[u] !== c &&
        !traits.isExemptFromRemoval(u) &&
        !keepsTownSquare(channel.name, traits.isGuest(u))
      ) {
        if (!leaving) {
          this.channelRemovals.push({
            kind: 'removeChannelMember',
            channelId: channel.ref.id,
            userId: r.userId,
            reason: removalReason,
          })
          continue
        }
        this.leftChannel.push({
          kind: 'removeChannelMember',
          channelId: channel.ref.id,
          userId: r.userId,
          reason: removalReason,
          hold: (leftHold ??= { kind: 'leftToMattermost', syncable: channel.ref }),
        })
      }
      const reason = roleSynced ? this.#roleChange(u, r, inAdminGroup[u] === c, c) : undefined
      if (reason !== undefined)
        this.channelRoles.push({
          kind: 'setChannelMemberAdmin',
          channelId: channel.ref.id,
          userId: r.userId,
          schemeAdmin: !r.schemeAdmin,
          reason,
        })
    }

    this.#run('channel', c, removalsBefore, this.channelRemovals.length)

    let defaultAdds: number[] | undefined
    if (channel.defaultJoin) this.#defaultChannelAdds.set(c, (defaultAdds = []))
    let historyLoaded = false
    const inHistory = (u: number): boolean => {
      if (!historyLoaded) {
        historyLoaded = true
        this.#loadHistory(channel)
      }
      return this.#hasHistory(u)
    }
    for (const l of channel.links) {
      if (!l.link.autoAdd) continue
      const via = new Via(l)
      const members = l.members
      for (let i = 0; i < members.length; i++) {
        const u = members[i] ?? -1
        if (u < 0 || member[u] === c || considered[u] === c) continue
        considered[u] = c
        const returning = inHistory(u)
        if (blocksReAdd(returning, policy)) continue
        if (!traits.isAutoAddable(u)) continue
        const user = itemAt(users, u)
        if (!this.#joinsTeam(u, user, t, team, channel, l)) continue
        const how = returning ? via.reAdd('re-add') : via.autoAdd
        this.channelAdds.push(this.#add('channel', c, u, user, inAdminGroup[u] === c, how))
        defaultAdds?.push(u)
      }
    }
  }

  /**
   * After a team's channels: what the team adds will do to its default channels, so that one
   * apply converges. Mattermost joins a new team member to every live open default channel
   * (`joinsDefaultChannels`, `joinsByDefault`; as a plain member, with no group check, whatever
   * the channel's constraint; see applyPlan), so for each such join the plan has not already
   * made an add of its own: a removal if the channel would remove them, else the admin flag if
   * its role sync wants it.
   */
  planDefaultJoins(t: number): void {
    const addedToTeam = this.#teamAddUsers
    if (addedToTeam.length === 0 || this.#defaultChannelAdds.size === 0) return
    const { syncables, users, rowUser } = this.#index
    const team = itemAt(syncables, t)
    const policy = this.#policy
    const traits = this.#traits
    const { member, inLinkedGroup, inAdminGroup } = this.#channel
    const added = (this.#addedToDefaultChannel ??= stampArray(users.length))
    for (const [c, addedHere] of this.#defaultChannelAdds) {
      const channel = itemAt(syncables, c)
      // The channel's own stamps were overwritten by the team's later channels: stamp again.
      markLinks(channel.links, c, inLinkedGroup, inAdminGroup)
      for (let p = channel.rowStart; p < channel.rowEnd; p++) {
        const u = rowUser[p] ?? -1
        if (u >= 0) member[u] = c
      }
      for (const u of addedHere) added[u] = c
      const roleSynced = syncsRoles(channel.constrained, channel.links.length, policy)
      const removing = removesMembers(channel.constrained, this.#frozen[c] === true)
      const leaving = removing && leavesRemovalsToMattermost(channel, policy)
      const joins = `joins default channel ${channel.name} with team ${team.name}`
      const removalsBefore = this.channelRemovals.length
      let leftHold: HoldReason | undefined
      for (const u of addedToTeam) {
        // Guests are not joined, members keep their rows, and a planned add of its own sets the
        // role of the row the join makes.
        if (!traits.joinsDefaultChannels(u) || member[u] === c || added[u] === c) continue
        const user = itemAt(users, u)
        if (
          removing &&
          inLinkedGroup[u] !== c &&
          !traits.isExemptFromRemoval(u) &&
          !keepsTownSquare(channel.name, traits.isGuest(u))
        ) {
          const reason = `${joins}; in no group linked to channel ${channel.name} (${channel.constraint})`
          if (leaving)
            this.leftChannel.push({
              kind: 'removeChannelMember',
              channelId: channel.ref.id,
              userId: user.id,
              reason,
              hold: (leftHold ??= { kind: 'leftToMattermost', syncable: channel.ref }),
            })
          else
            this.channelRemovals.push({
              kind: 'removeChannelMember',
              channelId: channel.ref.id,
              userId: user.id,
              reason,
            })
          continue
        }
        if (roleSynced && traits.addTimeRole(u, inAdminGroup[u] === c) === 'admin')
          this.channelAdds.push({
            kind: 'addChannelMember',
            channelId: channel.ref.id,
            userId: user.id,
            role: 'admin',
            reason: `${joins}; admin via ${this.#channelAdminNames.of(c, channel.links, u)}`,
          })
      }
      this.#run('channel', c, removalsBefore, this.channelRemovals.length, true)
    }
  }

  /** The team membership row at layout position `p`. */
  #teamRowAt(p: number): TeamMember {
    const { teamMembers, rowInput } = this.#index
    return itemAt(teamMembers, rowInput[p] ?? -1)
  }

  #run(kind: 'team' | 'channel', slot: number, from: number, to: number, joins = false): void {
    if (to > from) this.removalRuns.push({ kind, slot, from, to, joins })
  }

  /** Loads the channel's history rows into the table (only for channels that add someone). */
  #loadHistory(channel: SyncableSlot): void {
    const rows = this.#index.historyRow
    this.#history.reset(channel.historyEnd - channel.historyStart)
    for (let p = channel.historyStart; p < channel.historyEnd; p++) this.#history.add(rows[p] ?? -1)
  }

  /** Whether the loaded channel has a history row for user slot `u`. */
  #hasHistory(u: number): boolean {
    const { userSlot, users } = this.#index
    return this.#history.has(
      intAt(userSlot.laneA, u),
      intAt(userSlot.laneB, u),
      itemAt(users, u).id,
    )
  }

  /** Makes sure a channel add has its team membership: already there, planned, or added now. */
  #joinsTeam(
    u: number,
    user: User,
    t: number,
    team: SyncableSlot,
    channel: SyncableSlot,
    via: LiveLink,
  ): boolean {
    const { member, rowAt, inLinkedGroup, inAdminGroup, removed, leftToMattermost, added } =
      this.#team
    const teamRow = member[u] === t ? this.#teamRowAt(intAt(rowAt, u)) : undefined
    // Removed by this plan or left to Mattermost to remove: either way on their way out.
    const leaving = removed[u] === t || leftToMattermost[u] === t
    if ((teamRow !== undefined && teamRow.deleted !== true && !leaving) || added[u] === t)
      return true
    const cause = channelAddSkip(
      user,
      {
        row: teamRow,
        leaving,
        constrained: team.constrained,
        inLinkedGroup: inLinkedGroup[u] === t,
      },
      this.#policy,
    )
    if (cause !== undefined) {
      this.warnings.push({
        kind: 'channelAddSkipped',
        channelId: channel.ref.id,
        userId: user.id,
        cause,
        message:
          cause === 'leftTeam'
            ? `${user.username} is in ${via.group.name} (auto-add to channel ${channel.name}) but left or was removed from team ${team.name}; not re-added`
            : `${user.username} is in ${via.group.name} (auto-add to channel ${channel.name}) but in no group of team ${team.name} (${team.constraint}); skipped so that the team's sync does not remove them again`,
      })
      return false
    }
    added[u] = t
    this.#teamAddUsers.push(u)
    this.teamAdds.push(
      this.#add(
        'team',
        t,
        u,
        user,
        inAdminGroup[u] === t,
        `joins team for channel ${channel.name} (auto-add via ${via.group.name})`,
      ),
    )
    return true
  }

  #add(
    kind: 'team',
    s: number,
    u: number,
    user: User,
    inAdminGroup: boolean,
    how: string,
  ): TeamCommand
  #add(
    kind: 'channel',
    s: number,
    u: number,
    user: User,
    inAdminGroup: boolean,
    how: string,
  ): ChannelCommand
  #add(
    kind: 'team' | 'channel',
    s: number,
    u: number,
    user: User,
    inAdminGroup: boolean,
    how: string,
  ): TeamCommand | ChannelCommand {
    const target = itemAt(this.#index.syncables, s)
    const role = this.#traits.addTimeRole(u, inAdminGroup)
    // A plain branch, not ts-pattern: this runs once per add (100k+ at scale) and a match
    // builder per call was a measurable share of the plan's garbage.
    const why =
      role === 'admin'
        ? `admin via ${this.#adminNames(kind).of(s, target.links, u)}`
        : role === 'guest'
          ? 'guest account, added as guest'
          : this.#traits.isBypassed(u)
            ? 'system admin (bypass), added as member'
            : 'member (no scheme-admin group)'
    const reason = `${how}; ${why}`
    return kind === 'team'
      ? { kind: 'addTeamMember', teamId: target.ref.id, userId: user.id, role, reason }
      : { kind: 'addChannelMember', channelId: target.ref.id, userId: user.id, role, reason }
  }

  /** The reason for flipping the row's scheme-admin flag, or `undefined` to leave it. */
  #roleChange(
    u: number,
    row: TeamMember | ChannelMember,
    inAdminGroup: boolean,
    s: number,
  ): string | undefined {
    const traits = this.#traits
    if (!traits.isRoleSynced(u, row)) return undefined
    const wantsAdmin = traits.addTimeRole(u, inAdminGroup) === 'admin'
    const change = roleChange(row.schemeAdmin, wantsAdmin, this.#frozen[s] === true)
    if (change === undefined) return undefined
    const kind = s < this.#index.teamCount ? 'team' : 'channel'
    const target = itemAt(this.#index.syncables, s)
    // Mattermost's own constraint goes without saying; this project's is worth naming.
    const why = target.managed ? ` (${target.constraint})` : ''
    return change === 'promote'
      ? `promote: admin via ${this.#adminNames(kind).of(s, target.links, u)}${why}`
      : `demote: in no scheme-admin group linked here${why}`
  }

  /** Team names stay valid while the team's channels pull users into it, hence one per kind. */
  #adminNames(kind: 'team' | 'channel'): AdminGroupNames {
    return kind === 'team' ? this.#teamAdminNames : this.#channelAdminNames
  }
}

/** "auto-add via G" made once per link, not once per added member. */
class Via {
  readonly autoAdd: string
  #reAdd: string | undefined

  constructor(readonly link: LiveLink) {
    this.autoAdd = `auto-add via ${link.group.name}`
  }

  reAdd(how: string): string {
    return (this.#reAdd ??= `${how} via ${this.link.group.name}`)
  }
}

/** Marks the members of syncable `s`'s linked groups, and of its scheme-admin ones. */
function markLinks(
  links: readonly LiveLink[],
  s: number,
  inLinkedGroup: Int32Array,
  inAdminGroup: Int32Array,
): void {
  for (const l of links) {
    const members = l.members
    // Indexed loops: millions of members, no iterator even before the optimising compiler.
    if (l.link.schemeAdmin)
      for (let i = 0; i < members.length; i++) {
        const u = members[i] ?? -1
        inLinkedGroup[u] = s
        inAdminGroup[u] = s
      }
    else for (let i = 0; i < members.length; i++) inLinkedGroup[members[i] ?? -1] = s
  }
}

/** Syncables linked to a group that `freezes` them, with a warning per such group. */
function frozenSyncables(index: StateIndex, warnings: SyncWarning[]): boolean[] {
  const frozen: boolean[] = index.syncables.map(() => false)
  const perGroup = new Map<string, SyncableRef[]>()
  index.syncables.forEach((s, i) => {
    for (const l of s.links) {
      if (!freezes(l.group)) continue
      frozen[i] = true
      let refs = perGroup.get(l.group.id)
      if (refs === undefined) perGroup.set(l.group.id, (refs = []))
      refs.push(s.ref)
    }
  })
  for (const group of index.groups.values()) {
    if (!freezes(group) || group.deleted === true) continue
    const syncables = (perGroup.get(group.id) ?? []).sort(
      (a, b) => compare(a.kind, b.kind) || compare(a.id, b.id),
    )
    warnings.push({
      kind: 'unavailableGroup',
      groupId: group.id,
      groupName: group.name,
      syncables,
      message: `group ${group.name} could not be read: no removals or demotions on its ${syncables.length} linked team(s)/channel(s) this run`,
    })
  }
  return frozen
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
