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
} from './internal/state-index.js'
import { fingerprintsOf } from './fingerprint.js'

type TeamRemoval = Extract<SyncCommand, { kind: 'removeTeamMember' }> & { readonly reason: string }
type ChannelRemoval = Extract<SyncCommand, { kind: 'removeChannelMember' }> & {
  readonly reason: string
}
type Removal = TeamRemoval | ChannelRemoval

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

  const { kept, held } = applyLimits(out, index, policy)
  const keptSet = new Set<PlannedCommand>(kept)
  const commands: PlannedCommand[] = [
    ...sortCommands(out.teamRoles),
    ...sortCommands(out.channelRoles),
    ...sortCommands(out.teamAdds),
    ...sortCommands(out.channelAdds),
    ...sortCommands(out.channelRemovals.filter((c) => keptSet.has(c))),
    ...sortCommands(out.teamRemovals.filter((c) => keptSet.has(c))),
  ]
  const sortedHeld = [
    ...sortCommands(held.filter((c) => c.kind === 'removeChannelMember')),
    ...sortCommands(held.filter((c) => c.kind === 'removeTeamMember')),
  ]
  const warnings = sortWarnings(out.warnings)

  const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
    SyncCommandKind,
    number
  >
  for (const c of commands) counts[c.kind]++
  let live = 0
  let constrained = 0
  let activeMemberships = 0
  for (const s of index.syncables) {
    if (s.live) live++
    if (s.live && s.groupConstrained) constrained++
    for (const row of s.rows) if (!isDeleted(row)) activeMemberships++
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

function isDeleted(row: TeamMember | ChannelMember): boolean {
  return 'deleted' in row && row.deleted
}

/**
 * The plan loops. Stamp arrays hold, per user slot, the slot of the syncable for which the fact is
 * true ("member of", "in a linked group of", …), so they never need clearing between syncables.
 */
class Planner {
  readonly teamRoles: PlannedCommand[] = []
  readonly channelRoles: PlannedCommand[] = []
  readonly teamAdds: PlannedCommand[] = []
  readonly channelAdds: PlannedCommand[] = []
  readonly teamRemovals: TeamRemoval[] = []
  readonly channelRemovals: ChannelRemoval[] = []
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
  readonly #cHistory: Int32Array
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
    this.#cHistory = stamp()
    this.#cSeen = stamp()
    this.#teamAdminNames = new AdminGroupNames(n)
    this.#channelAdminNames = new AdminGroupNames(n)
  }

  planTeam(t: number): void {
    const team = this.#index.syncables[t] as SyncableSlot
    const policy = this.#policy
    const users = this.#index.users
    const [member, row, group, admin, removed, added] = [
      this.#tMember,
      this.#tRow,
      this.#tGroup,
      this.#tAdmin,
      this.#tRemoved,
      this.#tAdded,
    ]
    stampLinks(team.links, t, group, admin)
    for (let i = 0; i < team.rows.length; i++) {
      const u = team.rowUsers[i] as number
      if (u < 0) continue
      member[u] = t
      row[u] = i
    }

    const roleSynced =
      team.groupConstrained || (policy.roleSync === 'allLinked' && team.links.length > 0)
    const removing = team.groupConstrained && this.#frozen[t] !== true
    for (let i = 0; i < team.rows.length; i++) {
      const r = team.rows[i] as TeamMember
      if (r.deleted === true) continue
      const u = team.rowUsers[i] as number
      if (u < 0) {
        if (roleSynced) this.#unknownUser(r.userId, team.ref)
        continue
      }
      const user = users[u] as User
      if (removing && group[u] !== t && !this.#exempt(user)) {
        removed[u] = t
        this.teamRemovals.push({
          kind: 'removeTeamMember',
          teamId: team.ref.id,
          userId: r.userId,
          reason: `in no group linked to group-synced team ${team.name} (also leaves its channels)`,
        })
        continue
      }
      const change = roleSynced ? this.#roleChange(user, u, r, admin[u] === t, t) : undefined
      if (change !== undefined)
        this.teamRoles.push({
          kind: 'setTeamMemberAdmin',
          teamId: team.ref.id,
          userId: r.userId,
          ...change,
        })
    }

    for (const l of team.links) {
      if (!l.link.autoAdd) continue
      for (const u of l.members) {
        if (added[u] === t) continue
        if (member[u] === t) {
          const existing = team.rows[row[u] as number] as TeamMember
          if (existing.deleted !== true || !policy.reAddRemovedMembers) continue
        }
        const user = users[u] as User
        if (user.deactivated === true) continue
        added[u] = t
        const how = member[u] === t ? 're-add (left or was removed)' : 'auto-add'
        this.teamAdds.push(
          this.#add('team', t, u, user, admin[u] === t, `${how} via ${l.group.name}`),
        )
      }
    }
  }

  planChannel(c: number): void {
    const channel = this.#index.syncables[c] as SyncableSlot
    const t = channel.teamSlot
    const team = this.#index.syncables[t] as SyncableSlot
    const policy = this.#policy
    const users = this.#index.users
    const [member, group, admin, history, seen] = [
      this.#cMember,
      this.#cGroup,
      this.#cAdmin,
      this.#cHistory,
      this.#cSeen,
    ]
    stampLinks(channel.links, c, group, admin)
    for (const u of channel.rowUsers) if (u >= 0) member[u] = c
    for (const u of channel.history) history[u] = c

    const roleSynced =
      channel.groupConstrained || (policy.roleSync === 'allLinked' && channel.links.length > 0)
    const removing = channel.groupConstrained && this.#frozen[c] !== true
    for (let i = 0; i < channel.rows.length; i++) {
      const r = channel.rows[i] as ChannelMember
      const u = channel.rowUsers[i] as number
      if (u < 0) {
        if (roleSynced) this.#unknownUser(r.userId, channel.ref)
        continue
      }
      // Leaving the team takes the user out of its channels: no channel command of its own.
      if (this.#tRemoved[u] === t) continue
      const user = users[u] as User
      if (removing && group[u] !== c && !this.#exempt(user)) {
        this.channelRemovals.push({
          kind: 'removeChannelMember',
          channelId: channel.ref.id,
          userId: r.userId,
          reason: `in no group linked to group-synced channel ${channel.name}`,
        })
        continue
      }
      const change = roleSynced ? this.#roleChange(user, u, r, admin[u] === c, c) : undefined
      if (change !== undefined)
        this.channelRoles.push({
          kind: 'setChannelMemberAdmin',
          channelId: channel.ref.id,
          userId: r.userId,
          ...change,
        })
    }

    for (const l of channel.links) {
      if (!l.link.autoAdd) continue
      for (const u of l.members) {
        if (member[u] === c || seen[u] === c) continue
        seen[u] = c
        if (!policy.reAddRemovedMembers && history[u] === c) continue
        const user = users[u] as User
        if (user.deactivated === true) continue
        if (!this.#joinsTeam(u, user, t, team, channel, l)) continue
        const how = history[u] === c ? 're-add' : 'auto-add'
        this.channelAdds.push(
          this.#add('channel', c, u, user, admin[u] === c, `${how} via ${l.group.name}`),
        )
      }
    }
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
    const teamRow =
      this.#tMember[u] === t ? (team.rows[this.#tRow[u] as number] as TeamMember) : undefined
    const removedNow = this.#tRemoved[u] === t
    if ((teamRow !== undefined && teamRow.deleted !== true && !removedNow) || this.#tAdded[u] === t)
      return true
    let cause: 'leftTeam' | 'notInTeamGroups' | undefined
    if (removedNow) cause = 'notInTeamGroups'
    else if (teamRow?.deleted === true && !this.#policy.reAddRemovedMembers) cause = 'leftTeam'
    // Adding to a group-synced team someone the same sync would remove is flapping (Mattermost does it).
    else if (team.groupConstrained && this.#tGroup[u] !== t && !this.#exempt(user))
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
    kind: 'team' | 'channel',
    s: number,
    u: number,
    user: User,
    inAdminGroup: boolean,
    how: string,
  ): PlannedCommand {
    const target = this.#index.syncables[s] as SyncableSlot
    const role = this.#role(user, inAdminGroup)
    const reason = `${how}; ${match(role)
      .with('guest', () => 'guest account, added as guest')
      .with('admin', () => `admin via ${this.#adminNames(kind).of(s, target.links, u)}`)
      .with('member', () =>
        this.#bypassed(user)
          ? 'system admin (bypass), added as member'
          : 'member (no scheme-admin group)',
      )
      .exhaustive()}`
    return kind === 'team'
      ? { kind: 'addTeamMember', teamId: target.ref.id, userId: user.id, role, reason }
      : { kind: 'addChannelMember', channelId: target.ref.id, userId: user.id, role, reason }
  }

  /** The add-time rule of `decideRole`, over the stamps. */
  #role(user: User, inAdminGroup: boolean): Role {
    if (user.systemRole === 'guest') return 'guest'
    if (this.#bypassed(user)) return 'member'
    return inAdminGroup ? 'admin' : 'member'
  }

  #roleChange(
    user: User,
    u: number,
    row: TeamMember | ChannelMember,
    inAdminGroup: boolean,
    s: number,
  ): { schemeAdmin: boolean; reason: string } | undefined {
    // Bots keep their flags (divergence: Mattermost rewrites them too, mattermost/mattermost#34559).
    if (row.schemeGuest || user.isBot === true || this.#bypassed(user)) return undefined
    const want = this.#role(user, inAdminGroup) === 'admin'
    if (want === row.schemeAdmin || (!want && this.#frozen[s] === true)) return undefined
    const kind = s < this.#index.teamCount ? 'team' : 'channel'
    const links = (this.#index.syncables[s] as SyncableSlot).links
    return {
      schemeAdmin: want,
      reason: want
        ? `promote: admin via ${this.#adminNames(kind).of(s, links, u)}`
        : 'demote: in no scheme-admin group linked here',
    }
  }

  /** Team names stay valid while the team's channels pull users into it, hence one per kind. */
  #adminNames(kind: 'team' | 'channel'): AdminGroupNames {
    return kind === 'team' ? this.#teamAdminNames : this.#channelAdminNames
  }

  #bypassed(user: User): boolean {
    return user.systemRole === 'admin' && this.#policy.sysadmins === 'bypass'
  }

  /** Bots and bypassed system admins are never removed by a sync. */
  #exempt(user: User): boolean {
    return user.isBot === true || this.#bypassed(user)
  }

  #unknownUser(userId: string, ref: SyncableRef): void {
    const key = `${ref.kind}:${ref.id}:${userId}`
    if (this.#unknownSeen.has(key)) return
    this.#unknownSeen.add(key)
    this.warnings.push(unknown('user', userId, `${ref.kind} ${ref.id} membership`))
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
    if (l.link.schemeAdmin) for (const u of members) group[u] = admin[u] = s
    else for (const u of members) group[u] = s
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
      for (const u of l.members) {
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

function applyLimits(out: Planner, index: StateIndex, policy: ResolvedSyncPolicy) {
  const { maxRemovalFraction, maxRemovals, fractionMinRemovals } = policy.limits
  const warnings = out.warnings
  // Each list knows its kind: no per-removal test of `kind`.
  const perSyncable = new Map<number, Removal[]>()
  const add = (s: number | undefined, r: Removal): void => {
    if (s === undefined)
      throw new Error(`planned removal on an unknown syncable: ${JSON.stringify(r)}`)
    let list = perSyncable.get(s)
    if (list === undefined) perSyncable.set(s, (list = []))
    list.push(r)
  }
  for (const r of out.channelRemovals) add(index.syncableSlot.channel.get(r.channelId), r)
  for (const r of out.teamRemovals) add(index.syncableSlot.team.get(r.teamId), r)
  const held: HeldCommand[] = []
  let kept: Removal[] = []
  for (const [s, list] of perSyncable) {
    const target = index.syncables[s] as SyncableSlot
    let active = 0
    for (const row of target.rows) if (!isDeleted(row)) active++
    if (list.length >= fractionMinRemovals && list.length > maxRemovalFraction * active) {
      const hold: HoldReason = {
        kind: 'maxRemovalFraction',
        syncable: target.ref,
        removals: list.length,
        activeMembers: active,
        limit: maxRemovalFraction,
      }
      for (const r of list) held.push({ ...r, hold })
      warnings.push({
        kind: 'removalsHeld',
        hold,
        count: list.length,
        message: `${target.ref.kind} ${target.name} would lose ${list.length} of ${active} members (more than ${Math.round(maxRemovalFraction * 100)} %): removals held for review`,
      })
    } else kept.push(...list)
  }
  if (kept.length > maxRemovals) {
    const hold: HoldReason = { kind: 'maxRemovals', removals: kept.length, limit: maxRemovals }
    for (const r of kept) held.push({ ...r, hold })
    warnings.push({
      kind: 'removalsHeld',
      hold,
      count: kept.length,
      message: `${kept.length} removals exceed the limit of ${maxRemovals}: all held for review`,
    })
    kept = []
  }
  return { kept, held }
}

function syncableId(c: PlannedCommand): string {
  return 'teamId' in c ? c.teamId : c.channelId
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sortCommands<T extends PlannedCommand>(list: T[]): T[] {
  return list.sort((a, b) => compare(syncableId(a), syncableId(b)) || compare(a.userId, b.userId))
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
