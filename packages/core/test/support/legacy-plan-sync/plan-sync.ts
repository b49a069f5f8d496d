import { match } from 'ts-pattern'
import type {
  ChannelMember,
  Role,
  SyncableRef,
  SyncState,
  TeamMember,
  User,
} from '../../../src/model.js'
import {
  resolvePolicy,
  type ResolvedSyncPolicy,
  type SyncPolicyInput,
} from '../../../src/sync-policy.js'
import {
  syncCommandKinds,
  type HeldCommand,
  type HoldReason,
  type PlannedCommand,
  type SyncCommand,
  type SyncCommandKind,
  type SyncPlan,
  type SyncWarning,
} from '../../../src/sync-command.js'
import {
  indexState,
  unknown,
  type LiveLink,
  type StateIndex,
  type SyncableSlot,
  UserFlag,
} from './state-index.js'
import { HistoryTable } from './history-table.js'
import { fingerprintsOf } from './fingerprint.js'
import { keepsTownSquare } from './rules.js'

type TeamRemoval = Extract<SyncCommand, { kind: 'removeTeamMember' }> & { readonly reason: string }
type ChannelRemoval = Extract<SyncCommand, { kind: 'removeChannelMember' }> & {
  readonly reason: string
}
type Removal = TeamRemoval | ChannelRemoval
type TeamCommand = PlannedCommand & { readonly teamId: string }
type ChannelCommand = PlannedCommand & { readonly channelId: string }
interface RemovalRun {
  readonly kind: 'team' | 'channel'
  readonly slot: number
  readonly from: number
  readonly to: number
  /** Removals that undo default joins of the plan's own team adds: no member is lost by them. */
  readonly joins: boolean
}

/**
 * Computes the commands that bring memberships and admin roles in line with the groups: role
 * changes, team adds, channel adds, channel removals, team removals, each sorted by (syncable id,
 * user id). Removals past the policy's limits go to `held`. Pure, total and deterministic; linear
 * in the size of the state (each team is planned, then its channels, over typed-array stamps).
 */
export function planSync(state: SyncState, policyInput?: SyncPolicyInput): SyncPlan {
  const policy = resolvePolicy(policyInput)
  const index = indexState(state)
  const out = new Planner(index, policy)
  for (let t = 0; t < index.teamCount; t++) {
    if (!(index.syncables[t] as SyncableSlot).live) continue
    out.planTeam(t)
    for (const c of index.channelsOfTeam[t] ?? []) out.planChannel(c)
    out.planDefaultJoins(t)
  }

  const limited = applyLimits(out, index, policy)
  const commands = concat<PlannedCommand>([
    out.teamRoles.sort(byTeamThenUser),
    out.channelRoles.sort(byChannelThenUser),
    out.teamAdds.sort(byTeamThenUser),
    out.channelAdds.sort(byChannelThenUser),
    limited.keptChannel.sort(byChannelThenUser),
    limited.keptTeam.sort(byTeamThenUser),
  ])
  const sortedHeld = concat<HeldCommand>([
    concat([limited.heldChannel, out.leftChannel]).sort(byChannelThenUser),
    concat([limited.heldTeam, out.leftTeam]).sort(byTeamThenUser),
  ])
  const warnings = sortWarnings(out.warnings)

  const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
    SyncCommandKind,
    number
  >
  for (let i = 0; i < commands.length; i++) counts[(commands[i] as PlannedCommand).kind]++
  let live = 0
  let constrained = 0
  let activeMemberships = 0
  for (const s of index.syncables) {
    if (s.live) live++
    if (s.live && s.constrained) constrained++
    activeMemberships += s.activeRows
  }
  const { state: fingerprint, target: targetFingerprint } = fingerprintsOf(index, policy)

  return {
    commands,
    held: sortedHeld,
    warnings,
    stats: {
      users: index.users.length,
      groups: index.groups.size,
      syncables: live,
      constrainedSyncables: constrained,
      liveLinks: index.liveLinkCount,
      activeMemberships,
      commands: counts,
      held: sortedHeld.length,
      leftToMattermost: out.leftTeam.length + out.leftChannel.length,
      warnings: warnings.length,
    },
    fingerprint,
    targetFingerprint,
    policy,
  }
}

/**
 * The plan loops. Stamp arrays hold, per user slot, the slot of the syncable for which the fact is
 * true ("member of", "in a linked group of", …), so they never need clearing between syncables.
 */
class Planner {
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
  readonly #leaveConstrained: boolean
  readonly #frozen: boolean[]
  readonly #unknownSeen = new Set<string>()
  // Team-level stamps stay valid while the team's channels are planned right after it.
  readonly #tMember: Int32Array
  readonly #tRow: Int32Array
  readonly #tGroup: Int32Array
  readonly #tAdmin: Int32Array
  readonly #tRemoved: Int32Array
  /** The team's removal of the user is left to Mattermost: still planned as a member meanwhile. */
  readonly #tLeft: Int32Array
  readonly #tAdded: Int32Array
  /** User slots of the current team's adds, in the order of their commands (for default joins). */
  readonly #teamAddUsers: number[] = []
  /** Default channels of the current team: the user slots each one adds. */
  readonly #defaultChannelAdds = new Map<number, number[]>()
  /** Per user slot: the default channel whose adds are being looked at (made on first use). */
  #addedStamp: Int32Array | undefined
  readonly #cMember: Int32Array
  readonly #cGroup: Int32Array
  readonly #cAdmin: Int32Array
  readonly #history: HistoryTable
  readonly #cSeen: Int32Array
  readonly #teamAdminNames: AdminGroupNames
  readonly #channelAdminNames: AdminGroupNames

  constructor(index: StateIndex, policy: ResolvedSyncPolicy) {
    this.#index = index
    this.#policy = policy
    this.#leaveConstrained = policy.groupConstrainedRemovals === 'leaveToMattermost'
    this.warnings = [...index.warnings]
    this.#frozen = frozenSyncables(index, this.warnings)
    const n = index.users.length
    const stamp = () => new Int32Array(n).fill(-1)
    this.#tMember = stamp()
    this.#tRow = stamp()
    this.#tGroup = stamp()
    this.#tAdmin = stamp()
    this.#tRemoved = stamp()
    this.#tLeft = stamp()
    this.#tAdded = stamp()
    this.#cMember = stamp()
    this.#cGroup = stamp()
    this.#cAdmin = stamp()
    this.#history = new HistoryTable(index.channelHistory, index.historyLaneA, index.historyLaneB)
    this.#cSeen = stamp()
    this.#teamAdminNames = new AdminGroupNames(n)
    this.#channelAdminNames = new AdminGroupNames(n)
  }

  planTeam(t: number): void {
    const team = this.#index.syncables[t] as SyncableSlot
    const policy = this.#policy
    const { users, userFlags: flags } = this.#index
    const [member, row, group, admin, removed, added] = [
      this.#tMember,
      this.#tRow,
      this.#tGroup,
      this.#tAdmin,
      this.#tRemoved,
      this.#tAdded,
    ]
    const { rowUser } = this.#index
    const { rowStart, rowEnd } = team
    stampLinks(team.links, t, group, admin)
    for (let p = rowStart; p < rowEnd; p++) {
      const u = rowUser[p] as number
      if (u < 0) continue
      member[u] = t
      row[u] = p
    }

    this.#teamAddUsers.length = 0
    this.#defaultChannelAdds.clear()
    const roleSynced =
      team.constrained || (policy.roleSync === 'allLinked' && team.links.length > 0)
    const removing = team.constrained && this.#frozen[t] !== true
    const leaving = removing && team.groupConstrained && this.#leaveConstrained
    const removalsBefore = this.teamRemovals.length
    const removalReason = `in no group linked to team ${team.name} (${team.constraint}; also leaves its channels)`
    let leftHold: HoldReason | undefined
    for (let p = rowStart; p < rowEnd; p++) {
      const r = this.#teamRowAt(p)
      if (r.deleted === true) continue
      const u = rowUser[p] as number
      if (u < 0) {
        if (roleSynced) this.#unknownUser(r.userId, team.ref)
        continue
      }
      if (removing && group[u] !== t && !this.#exempt(u)) {
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
        this.#tLeft[u] = t
        this.leftTeam.push({
          kind: 'removeTeamMember',
          teamId: team.ref.id,
          userId: r.userId,
          reason: removalReason,
          hold: (leftHold ??= { kind: 'leftToMattermost', syncable: team.ref }),
        })
      }
      const reason = roleSynced ? this.#roleChange(u, r, admin[u] === t, t) : undefined
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
        const u = members[i] as number
        if (added[u] === t) continue
        if (member[u] === t) {
          const existing = this.#teamRowAt(row[u] as number)
          if (existing.deleted !== true || !policy.reAddRemovedMembers) continue
        }
        if (((flags[u] as number) & UserFlag.Deactivated) !== 0) continue
        const user = users[u] as User
        added[u] = t
        const how = member[u] === t ? via.reAdd('re-add (left or was removed)') : via.autoAdd
        this.teamAdds.push(this.#add('team', t, u, user, admin[u] === t, how))
        this.#teamAddUsers.push(u)
      }
    }
  }

  planChannel(c: number): void {
    const channel = this.#index.syncables[c] as SyncableSlot
    const t = channel.teamSlot
    const team = this.#index.syncables[t] as SyncableSlot
    const policy = this.#policy
    const { users, userFlags: flags, rowUser, rowInput, channelMembers } = this.#index
    const [member, group, admin, seen] = [this.#cMember, this.#cGroup, this.#cAdmin, this.#cSeen]
    const { rowStart, rowEnd } = channel
    stampLinks(channel.links, c, group, admin)
    for (let p = rowStart; p < rowEnd; p++) {
      const u = rowUser[p] as number
      if (u >= 0) member[u] = c
    }

    const roleSynced =
      channel.constrained || (policy.roleSync === 'allLinked' && channel.links.length > 0)
    const removing = channel.constrained && this.#frozen[c] !== true
    const leaving = removing && channel.groupConstrained && this.#leaveConstrained
    const removalsBefore = this.channelRemovals.length
    const removalReason = `in no group linked to channel ${channel.name} (${channel.constraint})`
    let leftHold: HoldReason | undefined
    for (let p = rowStart; p < rowEnd; p++) {
      const r = channelMembers[rowInput[p] as number] as ChannelMember
      const u = rowUser[p] as number
      if (u < 0) {
        if (roleSynced) this.#unknownUser(r.userId, channel.ref)
        continue
      }
      // Leaving the team takes the user out of its channels: no channel command of its own.
      if (this.#tRemoved[u] === t) continue
      if (removing && group[u] !== c && !this.#exempt(u) && !this.#keepsTownSquare(channel, u)) {
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
      const reason = roleSynced ? this.#roleChange(u, r, admin[u] === c, c) : undefined
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
        const u = members[i] as number
        if (member[u] === c || seen[u] === c) continue
        seen[u] = c
        const returning = inHistory(u)
        if (!policy.reAddRemovedMembers && returning) continue
        if (((flags[u] as number) & UserFlag.Deactivated) !== 0) continue
        const user = users[u] as User
        if (!this.#joinsTeam(u, user, t, team, channel, l)) continue
        const how = returning ? via.reAdd('re-add') : via.autoAdd
        this.channelAdds.push(this.#add('channel', c, u, user, admin[u] === c, how))
        defaultAdds?.push(u)
      }
    }
  }

  /**
   * After a team's channels: what the team adds will do to its default channels, so that one
   * apply converges. Mattermost joins a new non-guest team member to every live open default
   * channel (as a plain member, with no group check, whatever the channel's constraint; see
   * applyPlan), so for each such join the plan has not already made an add of its own: a
   * removal if the channel would remove them, else the admin flag if its role sync wants it.
   */
  planDefaultJoins(t: number): void {
    const users = this.#teamAddUsers
    if (users.length === 0 || this.#defaultChannelAdds.size === 0) return
    const { syncables, userFlags: flags, rowUser } = this.#index
    const team = syncables[t] as SyncableSlot
    const policy = this.#policy
    const [member, group, admin] = [this.#cMember, this.#cGroup, this.#cAdmin]
    const added = (this.#addedStamp ??= new Int32Array(flags.length).fill(-1))
    for (const [c, addedHere] of this.#defaultChannelAdds) {
      const channel = syncables[c] as SyncableSlot
      // The channel's own stamps were overwritten by the team's later channels: stamp again.
      stampLinks(channel.links, c, group, admin)
      for (let p = channel.rowStart; p < channel.rowEnd; p++) {
        const u = rowUser[p] as number
        if (u >= 0) member[u] = c
      }
      for (let i = 0; i < addedHere.length; i++) added[addedHere[i] as number] = c
      const roleSynced =
        channel.constrained || (policy.roleSync === 'allLinked' && channel.links.length > 0)
      const removing = channel.constrained && this.#frozen[c] !== true
      const leaving = removing && channel.groupConstrained && this.#leaveConstrained
      const joins = `joins default channel ${channel.name} with team ${team.name}`
      const removalsBefore = this.channelRemovals.length
      let leftHold: HoldReason | undefined
      for (let i = 0; i < users.length; i++) {
        const u = users[i] as number
        // Guests are not joined to default channels, members keep their rows, and a planned add
        // of its own sets the role of the row the join makes.
        if (((flags[u] as number) & UserFlag.Guest) !== 0 || member[u] === c || added[u] === c)
          continue
        const user = this.#index.users[u] as User
        // The user is no guest (guests are skipped above).
        if (
          removing &&
          group[u] !== c &&
          !this.#exempt(u) &&
          !keepsTownSquare(channel.name, false)
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
        if (roleSynced && this.#role(u, admin[u] === c) === 'admin')
          this.channelAdds.push({
            kind: 'addChannelMember',
            channelId: channel.ref.id,
            userId: user.id,
            role: 'admin',
            reason: `${joins}; admin via ${this.#adminNames('channel').of(c, channel.links, u)}`,
          })
      }
      this.#run('channel', c, removalsBefore, this.channelRemovals.length, true)
    }
  }

  /** The team membership row at layout position `p`. */
  #teamRowAt(p: number): TeamMember {
    const { teamMembers, rowInput } = this.#index
    return teamMembers[rowInput[p] as number] as TeamMember
  }

  #run(kind: 'team' | 'channel', slot: number, from: number, to: number, joins = false): void {
    if (to > from) this.removalRuns.push({ kind, slot, from, to, joins })
  }

  /** Loads the channel's history rows into the table (only for channels that add someone). */
  #loadHistory(channel: SyncableSlot): void {
    const rows = this.#index.historyRow
    this.#history.reset(channel.historyEnd - channel.historyStart)
    for (let p = channel.historyStart; p < channel.historyEnd; p++)
      this.#history.add(rows[p] as number)
  }

  /** Whether the loaded channel has a history row for user slot `u`. */
  #hasHistory(u: number): boolean {
    const { userSlot, users } = this.#index
    return this.#history.has(
      userSlot.laneA[u] as number,
      userSlot.laneB[u] as number,
      (users[u] as User).id,
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
    const teamRow = this.#tMember[u] === t ? this.#teamRowAt(this.#tRow[u] as number) : undefined
    // Removed by this plan or left to Mattermost to remove: either way on their way out.
    const leavingNow = this.#tRemoved[u] === t || this.#tLeft[u] === t
    if ((teamRow !== undefined && teamRow.deleted !== true && !leavingNow) || this.#tAdded[u] === t)
      return true
    let cause: 'leftTeam' | 'notInTeamGroups' | undefined
    if (leavingNow) cause = 'notInTeamGroups'
    else if (teamRow?.deleted === true && !this.#policy.reAddRemovedMembers) cause = 'leftTeam'
    // Adding to a constrained team someone the same sync would remove is flapping (Mattermost does it).
    else if (team.constrained && this.#tGroup[u] !== t && !this.#exempt(u))
      cause = 'notInTeamGroups'
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
    this.#tAdded[u] = t
    this.#teamAddUsers.push(u)
    this.teamAdds.push(
      this.#add(
        'team',
        t,
        u,
        user,
        this.#tAdmin[u] === t,
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
    const target = this.#index.syncables[s] as SyncableSlot
    const role = this.#role(u, inAdminGroup)
    // A plain branch, not ts-pattern: this runs once per add (100k+ at scale) and a match
    // builder per call was a measurable share of the plan's garbage.
    const why =
      role === 'admin'
        ? `admin via ${this.#adminNames(kind).of(s, target.links, u)}`
        : role === 'guest'
          ? 'guest account, added as guest'
          : this.#bypassed(u)
            ? 'system admin (bypass), added as member'
            : 'member (no scheme-admin group)'
    const reason = `${how}; ${why}`
    return kind === 'team'
      ? { kind: 'addTeamMember', teamId: target.ref.id, userId: user.id, role, reason }
      : { kind: 'addChannelMember', channelId: target.ref.id, userId: user.id, role, reason }
  }

  /** The add-time rule of `decideRole`, over the stamps. */
  #role(u: number, inAdminGroup: boolean): Role {
    if (((this.#index.userFlags[u] as number) & UserFlag.Guest) !== 0) return 'guest'
    if (this.#bypassed(u)) return 'member'
    return inAdminGroup ? 'admin' : 'member'
  }

  /** The reason for flipping the row's scheme-admin flag, or `undefined` to leave it. */
  #roleChange(
    u: number,
    row: TeamMember | ChannelMember,
    inAdminGroup: boolean,
    s: number,
  ): string | undefined {
    // Bots keep their flags (divergence: Mattermost rewrites them too, mattermost/mattermost#34559).
    if (row.schemeGuest || ((this.#index.userFlags[u] as number) & UserFlag.Bot) !== 0)
      return undefined
    if (this.#bypassed(u)) return undefined
    const want = this.#role(u, inAdminGroup) === 'admin'
    if (want === row.schemeAdmin || (!want && this.#frozen[s] === true)) return undefined
    const kind = s < this.#index.teamCount ? 'team' : 'channel'
    const target = this.#index.syncables[s] as SyncableSlot
    // Mattermost's own constraint goes without saying; this project's is worth naming.
    const why = target.managed ? ` (${target.constraint})` : ''
    return want
      ? `promote: admin via ${this.#adminNames(kind).of(s, target.links, u)}${why}`
      : `demote: in no scheme-admin group linked here${why}`
  }

  /** Team names stay valid while the team's channels pull users into it, hence one per kind. */
  #adminNames(kind: 'team' | 'channel'): AdminGroupNames {
    return kind === 'team' ? this.#teamAdminNames : this.#channelAdminNames
  }

  #bypassed(u: number): boolean {
    return (
      ((this.#index.userFlags[u] as number) & UserFlag.SystemAdmin) !== 0 &&
      this.#policy.sysadmins === 'bypass'
    )
  }

  #keepsTownSquare(channel: SyncableSlot, u: number): boolean {
    return keepsTownSquare(
      channel.name,
      ((this.#index.userFlags[u] as number) & UserFlag.Guest) !== 0,
    )
  }

  /** Bots and bypassed system admins are never removed by a sync. */
  #exempt(u: number): boolean {
    return ((this.#index.userFlags[u] as number) & UserFlag.Bot) !== 0 || this.#bypassed(u)
  }

  #unknownUser(userId: string, ref: SyncableRef): void {
    const key = `${ref.kind}:${ref.id}:${userId}`
    if (this.#unknownSeen.has(key)) return
    this.#unknownSeen.add(key)
    this.warnings.push(unknown('user', userId, `${ref.kind} ${ref.id} membership`))
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

function stampLinks(
  links: readonly LiveLink[],
  s: number,
  group: Int32Array,
  admin: Int32Array,
): void {
  for (const l of links) {
    const members = l.members
    // Indexed loops: millions of members, no iterator even before the optimising compiler.
    if (l.link.schemeAdmin)
      for (let i = 0; i < members.length; i++)
        group[members[i] as number] = admin[members[i] as number] = s
    else for (let i = 0; i < members.length; i++) group[members[i] as number] = s
  }
}

/**
 * The scheme-admin groups a user is in on one syncable, for reasons. Indexed on first use per
 * syncable, in one pass over its admin links (which stampLinks walks anyway), so that naming the
 * groups costs O(1) per command instead of a scan of every admin group's members.
 */
class AdminGroupNames {
  #syncable = -1
  /** Per user slot: the syncable the entries below belong to. */
  readonly #stamp: Int32Array
  /** Per user slot: the first admin link (index into the syncable's links) containing the user. */
  readonly #first: Int32Array
  /** Users in two or more admin links of the syncable: rare, so kept out of the typed arrays. */
  readonly #more = new Map<number, string[]>()

  constructor(userCount: number) {
    this.#stamp = new Int32Array(userCount).fill(-1)
    this.#first = new Int32Array(userCount)
  }

  of(s: number, links: readonly LiveLink[], u: number): string {
    if (this.#syncable !== s) this.#build(s, links)
    if (this.#stamp[u] !== s) return ''
    const more = this.#more.get(u)
    if (more !== undefined) return more.sort().join(', ')
    return (links[this.#first[u] as number] as LiveLink).group.name
  }

  #build(s: number, links: readonly LiveLink[]): void {
    this.#syncable = s
    this.#more.clear()
    const stamp = this.#stamp
    const first = this.#first
    for (let i = 0; i < links.length; i++) {
      const l = links[i] as LiveLink
      if (!l.link.schemeAdmin) continue
      const members = l.members
      for (let j = 0; j < members.length; j++) {
        const u = members[j] as number
        if (stamp[u] !== s) {
          stamp[u] = s
          first[u] = i
          continue
        }
        const more = this.#more.get(u)
        if (more === undefined)
          this.#more.set(u, [(links[first[u] as number] as LiveLink).group.name, l.group.name])
        else more.push(l.group.name)
      }
    }
  }
}

/** Syncables linked to an unavailable group: their membership truth is unknown this run. */
function frozenSyncables(index: StateIndex, warnings: SyncWarning[]): boolean[] {
  const frozen: boolean[] = index.syncables.map(() => false)
  const perGroup = new Map<string, SyncableRef[]>()
  index.syncables.forEach((s, i) => {
    for (const l of s.links) {
      if (l.group.status !== 'unavailable') continue
      frozen[i] = true
      let refs = perGroup.get(l.group.id)
      if (refs === undefined) perGroup.set(l.group.id, (refs = []))
      refs.push(s.ref)
    }
  })
  for (const group of index.groups.values()) {
    if (group.status !== 'unavailable' || group.deleted === true) continue
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

type Held<R extends Removal> = R & { readonly hold: HoldReason }

interface Limited {
  readonly keptTeam: TeamRemoval[]
  readonly keptChannel: ChannelRemoval[]
  readonly heldTeam: Held<TeamRemoval>[]
  readonly heldChannel: Held<ChannelRemoval>[]
}

function applyLimits(out: Planner, index: StateIndex, policy: ResolvedSyncPolicy): Limited {
  const { maxRemovalFraction, maxRemovals, fractionMinRemovals } = policy.limits
  const warnings = out.warnings
  const limited: Limited = { keptTeam: [], keptChannel: [], heldTeam: [], heldChannel: [] }
  // Loops, not push(...list): a spread of one big syncable's removals overflows the call stack.
  // Object literals, not spreads: a spread copies through a slow generic path, per removal.
  const hold = (run: RemovalRun, reason: HoldReason): void => {
    if (run.kind === 'team')
      for (let i = run.from; i < run.to; i++) {
        const r = out.teamRemovals[i] as TeamRemoval
        limited.heldTeam.push({
          kind: r.kind,
          teamId: r.teamId,
          userId: r.userId,
          reason: r.reason,
          hold: reason,
        })
      }
    else
      for (let i = run.from; i < run.to; i++) {
        const r = out.channelRemovals[i] as ChannelRemoval
        limited.heldChannel.push({
          kind: r.kind,
          channelId: r.channelId,
          userId: r.userId,
          reason: r.reason,
          hold: reason,
        })
      }
  }
  // The fraction is the share of a syncable's active members it would lose. Undoing a default join
  // of the plan's own team add loses no member, so those removals do not count; but they are
  // held with the rest of the syncable's when its fraction is exceeded (its groups look wrong).
  const perSlot = new Map<number, number>()
  for (const run of out.removalRuns)
    if (!run.joins) perSlot.set(run.slot, (perSlot.get(run.slot) ?? 0) + run.to - run.from)
  const fractionHolds = new Map<number, HoldReason>()
  for (const [slot, n] of perSlot) {
    const target = index.syncables[slot] as SyncableSlot
    const active = target.activeRows
    if (n < fractionMinRemovals || n <= maxRemovalFraction * active) continue
    const reason: HoldReason = {
      kind: 'maxRemovalFraction',
      syncable: target.ref,
      removals: n,
      activeMembers: active,
      limit: maxRemovalFraction,
    }
    fractionHolds.set(slot, reason)
    warnings.push({
      kind: 'removalsHeld',
      hold: reason,
      count: n,
      message: `${target.ref.kind} ${target.name} would lose ${n} of ${active} members (more than ${Math.round(maxRemovalFraction * 100)} %): removals held for review`,
    })
  }
  const keptRuns: RemovalRun[] = []
  let keptCount = 0
  for (const run of out.removalRuns) {
    const reason = fractionHolds.get(run.slot)
    if (reason !== undefined) {
      hold(run, reason)
      continue
    }
    keptRuns.push(run)
    keptCount += run.to - run.from
  }
  if (keptCount > maxRemovals) {
    const reason: HoldReason = { kind: 'maxRemovals', removals: keptCount, limit: maxRemovals }
    for (const run of keptRuns) hold(run, reason)
    warnings.push({
      kind: 'removalsHeld',
      hold: reason,
      count: keptCount,
      message: `${keptCount} removals exceed the limit of ${maxRemovals}: all held for review`,
    })
    return limited
  }
  for (const run of keptRuns) {
    if (run.kind === 'team')
      for (let i = run.from; i < run.to; i++)
        limited.keptTeam.push(out.teamRemovals[i] as TeamRemoval)
    else
      for (let i = run.from; i < run.to; i++)
        limited.keptChannel.push(out.channelRemovals[i] as ChannelRemoval)
  }
  return limited
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// One comparator per syncable kind: each list holds one kind, so no per-pair test of the kind.
function byTeamThenUser(a: { teamId: string; userId: string }, b: typeof a): number {
  return compare(a.teamId, b.teamId) || compare(a.userId, b.userId)
}

function byChannelThenUser(a: { channelId: string; userId: string }, b: typeof a): number {
  return compare(a.channelId, b.channelId) || compare(a.userId, b.userId)
}

/** `Array.prototype.concat`, not a spread into a call: 100k-element lists overflow the stack. */
function concat<T>(lists: readonly (readonly T[])[]): T[] {
  return ([] as T[]).concat(...lists)
}

function warningKey(w: SyncWarning): string {
  return match(w)
    .with({ kind: 'unavailableGroup' }, (x) => `0:${x.groupId}`)
    .with({ kind: 'unknownReference' }, (x) => `1:${x.entity}:${x.id}:${x.where}`)
    .with({ kind: 'channelAddSkipped' }, (x) => `2:${x.channelId}:${x.userId}`)
    .with({ kind: 'removalsHeld' }, (x) =>
      match(x.hold)
        .with(
          { kind: 'maxRemovalFraction' },
          (h) => `3:${h.kind}:${h.syncable.kind}:${h.syncable.id}`,
        )
        .with(
          { kind: 'leftToMattermost' },
          (h) => `3:${h.kind}:${h.syncable.kind}:${h.syncable.id}`,
        )
        .with({ kind: 'maxRemovals' }, (h) => `3:${h.kind}`)
        .exhaustive(),
    )
    .exhaustive()
}

function sortWarnings(list: SyncWarning[]): SyncWarning[] {
  const byKey = new Map<string, SyncWarning>()
  for (const w of list) if (!byKey.has(warningKey(w))) byKey.set(warningKey(w), w)
  return [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, w]) => w)
}
