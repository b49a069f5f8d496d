import { match } from 'ts-pattern'
import type { ChannelMember, Role, SyncableRef, SyncState, TeamMember, User } from './model.js'
import { resolvePolicy, type ResolvedSyncPolicy, type SyncPolicyInput } from './sync-policy.js'
import {
  syncCommandKinds,
  type HeldCommand,
  type HoldReason,
  type PlannedCommand,
  type SyncCommand,
  type SyncCommandKind,
  type SyncPlan,
  type SyncWarning,
} from './sync-command.js'
import {
  indexState,
  unknown,
  type LiveLink,
  type StateIndex,
  type SyncableSlot,
  UserFlag,
} from './internal/state-index.js'
import { HistoryTable } from './internal/history-table.js'
import { fingerprintsOf } from './fingerprint.js'

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
    limited.heldChannel.sort(byChannelThenUser),
    limited.heldTeam.sort(byTeamThenUser),
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
    if (s.live && s.groupConstrained) constrained++
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
  /** Removals come out one syncable at a time: each run is one syncable's, for the limits. */
  readonly removalRuns: RemovalRun[] = []
  readonly warnings: SyncWarning[]
  readonly #index: StateIndex
  readonly #policy: ResolvedSyncPolicy
  readonly #frozen: boolean[]
  readonly #unknownSeen = new Set<string>()
  // Team-level stamps stay valid while the team's channels are planned right after it.
  readonly #tMember: Int32Array
  readonly #tRow: Int32Array
  readonly #tGroup: Int32Array
  readonly #tAdmin: Int32Array
  readonly #tRemoved: Int32Array
  readonly #tAdded: Int32Array
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
    this.warnings = [...index.warnings]
    this.#frozen = frozenSyncables(index, this.warnings)
    const n = index.users.length
    const stamp = () => new Int32Array(n).fill(-1)
    this.#tMember = stamp()
    this.#tRow = stamp()
    this.#tGroup = stamp()
    this.#tAdmin = stamp()
    this.#tRemoved = stamp()
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

    const roleSynced =
      team.groupConstrained || (policy.roleSync === 'allLinked' && team.links.length > 0)
    const removing = team.groupConstrained && this.#frozen[t] !== true
    const removalsBefore = this.teamRemovals.length
    const removalReason = `in no group linked to group-synced team ${team.name} (also leaves its channels)`
    for (let p = rowStart; p < rowEnd; p++) {
      const r = this.#teamRowAt(p)
      if (r.deleted === true) continue
      const u = rowUser[p] as number
      if (u < 0) {
        if (roleSynced) this.#unknownUser(r.userId, team.ref)
        continue
      }
      if (removing && group[u] !== t && !this.#exempt(u)) {
        removed[u] = t
        this.teamRemovals.push({
          kind: 'removeTeamMember',
          teamId: team.ref.id,
          userId: r.userId,
          reason: removalReason,
        })
        continue
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
      channel.groupConstrained || (policy.roleSync === 'allLinked' && channel.links.length > 0)
    const removing = channel.groupConstrained && this.#frozen[c] !== true
    const removalsBefore = this.channelRemovals.length
    const removalReason = `in no group linked to group-synced channel ${channel.name}`
    for (let p = rowStart; p < rowEnd; p++) {
      const r = channelMembers[rowInput[p] as number] as ChannelMember
      const u = rowUser[p] as number
      if (u < 0) {
        if (roleSynced) this.#unknownUser(r.userId, channel.ref)
        continue
      }
      // Leaving the team takes the user out of its channels: no channel command of its own.
      if (this.#tRemoved[u] === t) continue
      if (removing && group[u] !== c && !this.#exempt(u)) {
        this.channelRemovals.push({
          kind: 'removeChannelMember',
          channelId: channel.ref.id,
          userId: r.userId,
          reason: removalReason,
        })
        continue
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
      }
    }
  }

  /** The team membership row at layout position `p`. */
  #teamRowAt(p: number): TeamMember {
    const { teamMembers, rowInput } = this.#index
    return teamMembers[rowInput[p] as number] as TeamMember
  }

  #run(kind: 'team' | 'channel', slot: number, from: number, to: number): void {
    if (to > from) this.removalRuns.push({ kind, slot, from, to })
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
    const removedNow = this.#tRemoved[u] === t
    if ((teamRow !== undefined && teamRow.deleted !== true && !removedNow) || this.#tAdded[u] === t)
      return true
    let cause: 'leftTeam' | 'notInTeamGroups' | undefined
    if (removedNow) cause = 'notInTeamGroups'
    else if (teamRow?.deleted === true && !this.#policy.reAddRemovedMembers) cause = 'leftTeam'
    // Adding to a group-synced team someone the same sync would remove is flapping (Mattermost does it).
    else if (team.groupConstrained && this.#tGroup[u] !== t && !this.#exempt(u))
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
            : `${user.username} is in ${via.group.name} (auto-add to channel ${channel.name}) but in no group of group-synced team ${team.name}; skipped so the next run does not remove them again`,
      })
      return false
    }
    this.#tAdded[u] = t
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
    const links = (this.#index.syncables[s] as SyncableSlot).links
    return want
      ? `promote: admin via ${this.#adminNames(kind).of(s, links, u)}`
      : 'demote: in no scheme-admin group linked here'
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
  const keptRuns: RemovalRun[] = []
  let keptCount = 0
  for (const run of out.removalRuns) {
    const target = index.syncables[run.slot] as SyncableSlot
    const active = target.activeRows
    const n = run.to - run.from
    if (n >= fractionMinRemovals && n > maxRemovalFraction * active) {
      const reason: HoldReason = {
        kind: 'maxRemovalFraction',
        syncable: target.ref,
        removals: n,
        activeMembers: active,
        limit: maxRemovalFraction,
      }
      hold(run, reason)
      warnings.push({
        kind: 'removalsHeld',
        hold: reason,
        count: n,
        message: `${target.ref.kind} ${target.name} would lose ${n} of ${active} members (more than ${Math.round(maxRemovalFraction * 100)} %): removals held for review`,
      })
      continue
    }
    keptRuns.push(run)
    keptCount += n
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
