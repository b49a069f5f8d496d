import { match } from 'ts-pattern'
import type { SyncableRef, SyncState, User } from './model.js'
import { resolvePolicy, type SyncPolicy, type SyncPolicyInput } from './sync-policy.js'
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
import { indexState, unknown, type LiveLink, type StateIndex } from './internal/state-index.js'
import { groupNames, inAnyLinkedGroup, indexedRole, isBypassed, isExemptFromRemoval, roleReason } from './internal/indexed-role.js'
import { fingerprintState, fingerprintTarget } from './fingerprint.js'

type TeamRemoval = Extract<SyncCommand, { kind: 'removeTeamMember' }> & { readonly reason: string }
type ChannelRemoval = Extract<SyncCommand, { kind: 'removeChannelMember' }> & { readonly reason: string }
type Removal = TeamRemoval | ChannelRemoval

/**
 * Computes the commands that bring memberships and admin roles in line with the groups: role
 * changes, team adds, channel adds, channel removals, team removals, each sorted by (syncable id,
 * user id). Removals past the policy's limits go to `held`. Pure, total and deterministic.
 */
export function planSync(state: SyncState, policyInput?: SyncPolicyInput): SyncPlan {
  const policy = resolvePolicy(policyInput)
  const index = indexState(state)
  const warnings: SyncWarning[] = [...index.warnings]
  const frozen = frozenSyncables(index, warnings)
  const unknownUsers = new Set<string>()
  const userOf = (userId: string, where: string): User | undefined => {
    const user = index.users.get(userId)
    if (user === undefined && !unknownUsers.has(`${where}:${userId}`)) {
      unknownUsers.add(`${where}:${userId}`)
      warnings.push(unknown('user', userId, where))
    }
    return user
  }

  const teamRemovals = planTeamRemovals(index, policy, frozen, userOf)
  const removedFromTeam = new Map<string, Set<string>>()
  for (const r of teamRemovals) {
    let set = removedFromTeam.get(r.teamId)
    if (set === undefined) removedFromTeam.set(r.teamId, (set = new Set()))
    set.add(r.userId)
  }
  const leavesTeam = (teamId: string, userId: string): boolean => removedFromTeam.get(teamId)?.has(userId) === true

  const channelRemovals = planChannelRemovals(index, policy, frozen, userOf, leavesTeam)
  const removedFromChannel = new Set(channelRemovals.map((r) => `${r.channelId}:${r.userId}`))
  // A member who leaves gets no role change first: the plan stays minimal.
  const leaves = (kind: 'team' | 'channel', id: string, teamId: string, userId: string): boolean =>
    leavesTeam(teamId, userId) || (kind === 'channel' && removedFromChannel.has(`${id}:${userId}`))
  const roleChanges = planRoleChanges(index, policy, frozen, userOf, leaves)
  const { teamAdds, channelAdds } = planAdds(index, policy, leavesTeam, warnings)

  const unlimited: Removal[] = [...channelRemovals, ...teamRemovals]
  const { kept, held } = applyLimits(unlimited, index, policy, warnings)
  const keptSet = new Set<PlannedCommand>(kept)

  const commands: PlannedCommand[] = [
    ...sortCommands(roleChanges.filter((c) => c.kind === 'setTeamMemberAdmin')),
    ...sortCommands(roleChanges.filter((c) => c.kind === 'setChannelMemberAdmin')),
    ...sortCommands(teamAdds),
    ...sortCommands(channelAdds),
    ...sortCommands(channelRemovals.filter((c) => keptSet.has(c))),
    ...sortCommands(teamRemovals.filter((c) => keptSet.has(c))),
  ]
  const sortedHeld = [
    ...sortCommands(held.filter((c) => c.kind === 'removeChannelMember')),
    ...sortCommands(held.filter((c) => c.kind === 'removeTeamMember')),
  ]
  const sortedWarnings = sortWarnings(warnings)

  const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<SyncCommandKind, number>
  for (const c of commands) counts[c.kind]++
  let constrained = 0
  for (const id of index.liveTeams.keys()) if (index.teams.get(id)?.groupConstrained === true) constrained++
  for (const id of index.liveChannels.keys()) if (index.channels.get(id)?.groupConstrained === true) constrained++
  let activeMemberships = 0
  for (const rows of index.teamMembers.values()) for (const m of rows.values()) if (m.deleted !== true) activeMemberships++
  for (const rows of index.channelMembers.values()) activeMemberships += rows.size

  return {
    commands,
    held: sortedHeld,
    warnings: sortedWarnings,
    stats: {
      users: index.users.size,
      groups: index.groups.size,
      syncables: index.liveTeams.size + index.liveChannels.size,
      constrainedSyncables: constrained,
      liveLinks: index.liveLinkCount,
      activeMemberships,
      commands: counts,
      held: sortedHeld.length,
      warnings: sortedWarnings.length,
    },
    fingerprint: fingerprintState(state, policy),
    targetFingerprint: fingerprintTarget(state),
    policy,
  }
}

type UserOf = (userId: string, where: string) => User | undefined
type LeavesTeam = (teamId: string, userId: string) => boolean

/** Syncables linked to an unavailable group: their membership truth is unknown this run. */
function frozenSyncables(index: StateIndex, warnings: SyncWarning[]): ReadonlySet<string> {
  const frozen = new Set<string>()
  const bySyncable = (kind: 'team' | 'channel', map: ReadonlyMap<string, readonly LiveLink[]>) => {
    const perGroup = new Map<string, SyncableRef[]>()
    for (const [id, links] of map) {
      for (const l of links) {
        if (l.group.status !== 'unavailable') continue
        frozen.add(`${kind}:${id}`)
        let refs = perGroup.get(l.group.id)
        if (refs === undefined) perGroup.set(l.group.id, (refs = []))
        refs.push({ kind, id })
      }
    }
    return perGroup
  }
  const teams = bySyncable('team', index.liveTeams)
  const channels = bySyncable('channel', index.liveChannels)
  for (const group of index.groups.values()) {
    if (group.status !== 'unavailable' || group.deleted === true) continue
    const syncables = [...(teams.get(group.id) ?? []), ...(channels.get(group.id) ?? [])]
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

function roleSynced(index: StateIndex, policy: SyncPolicy, ref: SyncableRef, links: readonly LiveLink[]): boolean {
  const constrained = ref.kind === 'team' ? index.teams.get(ref.id)?.groupConstrained : index.channels.get(ref.id)?.groupConstrained
  return constrained === true || (policy.roleSync === 'allLinked' && links.length > 0)
}

function planRoleChanges(
  index: StateIndex,
  policy: SyncPolicy,
  frozen: ReadonlySet<string>,
  userOf: UserOf,
  leaves: (kind: 'team' | 'channel', id: string, teamId: string, userId: string) => boolean,
): PlannedCommand[] {
  const out: PlannedCommand[] = []
  const visit = (kind: 'team' | 'channel', id: string, links: readonly LiveLink[], rows: Iterable<{ userId: string; schemeAdmin: boolean; schemeGuest: boolean; deleted?: boolean }>, teamId: string) => {
    const ref: SyncableRef = { kind, id }
    if (!roleSynced(index, policy, ref, links)) return
    const isFrozen = frozen.has(`${kind}:${id}`)
    for (const row of rows) {
      if (row.deleted === true || row.schemeGuest) continue
      const user = userOf(row.userId, `${kind} ${id} membership`)
      // Bots and deactivated users keep their flags: nobody acts through them (divergence: Mattermost rewrites them).
      if (user === undefined || user.isBot === true || user.deactivated === true || isBypassed(user, policy)) continue
      if (leaves(kind, id, teamId, row.userId)) continue
      const wantAdmin = indexedRole(user, links, policy) === 'admin'
      if (wantAdmin === row.schemeAdmin) continue
      if (!wantAdmin && isFrozen) continue
      const reason = wantAdmin
        ? `promote: admin via ${groupNames(user.id, links, (l) => l.link.schemeAdmin).join(', ')}`
        : `demote: in no scheme-admin group linked to this ${kind}`
      out.push(
        kind === 'team'
          ? { kind: 'setTeamMemberAdmin', teamId: id, userId: row.userId, schemeAdmin: wantAdmin, reason }
          : { kind: 'setChannelMemberAdmin', channelId: id, userId: row.userId, schemeAdmin: wantAdmin, reason },
      )
    }
  }
  for (const [id, links] of index.liveTeams) visit('team', id, links, index.teamMembers.get(id)?.values() ?? [], id)
  for (const [id, links] of index.liveChannels) {
    const teamId = index.channels.get(id)?.teamId ?? ''
    visit('channel', id, links, index.channelMembers.get(id)?.values() ?? [], teamId)
  }
  return out
}

/** Who a removal may name: active members not in any of the syncable's own live linked groups. */
function removable(user: User | undefined, userId: string, links: readonly LiveLink[], policy: SyncPolicy): user is User {
  return user !== undefined && !isExemptFromRemoval(user, policy) && !inAnyLinkedGroup(userId, links)
}

function planTeamRemovals(index: StateIndex, policy: SyncPolicy, frozen: ReadonlySet<string>, userOf: UserOf): TeamRemoval[] {
  const out: TeamRemoval[] = []
  for (const [teamId, links] of index.liveTeams) {
    if (index.teams.get(teamId)?.groupConstrained !== true || frozen.has(`team:${teamId}`)) continue
    for (const row of index.teamMembers.get(teamId)?.values() ?? []) {
      if (row.deleted === true) continue
      if (!removable(userOf(row.userId, `team ${teamId} membership`), row.userId, links, policy)) continue
      out.push({ kind: 'removeTeamMember', teamId, userId: row.userId, reason: 'in no group linked to this group-synced team (also leaves its channels)' })
    }
  }
  return out
}

function planChannelRemovals(index: StateIndex, policy: SyncPolicy, frozen: ReadonlySet<string>, userOf: UserOf, leavesTeam: LeavesTeam): ChannelRemoval[] {
  const out: ChannelRemoval[] = []
  for (const [channelId, links] of index.liveChannels) {
    const channel = index.channels.get(channelId)
    if (channel?.groupConstrained !== true || frozen.has(`channel:${channelId}`)) continue
    for (const row of index.channelMembers.get(channelId)?.values() ?? []) {
      if (leavesTeam(channel.teamId, row.userId)) continue
      if (!removable(userOf(row.userId, `channel ${channelId} membership`), row.userId, links, policy)) continue
      out.push({ kind: 'removeChannelMember', channelId, userId: row.userId, reason: 'in no group linked to this group-synced channel' })
    }
  }
  return out
}

function planAdds(index: StateIndex, policy: SyncPolicy, leavesTeam: LeavesTeam, warnings: SyncWarning[]) {
  const teamAdds: PlannedCommand[] = []
  const channelAdds: PlannedCommand[] = []
  const plannedTeam = new Map<string, Set<string>>()
  const addTeam = (teamId: string, user: User, links: readonly LiveLink[], reason: string) => {
    let set = plannedTeam.get(teamId)
    if (set === undefined) plannedTeam.set(teamId, (set = new Set()))
    if (set.has(user.id)) return
    set.add(user.id)
    const role = indexedRole(user, links, policy)
    teamAdds.push({ kind: 'addTeamMember', teamId, userId: user.id, role, reason: `${reason}; ${roleReason(role, user, links, policy)}` })
  }
  const addable = (userId: string): User | undefined => {
    const user = index.users.get(userId)
    return user === undefined || user.deactivated === true ? undefined : user
  }

  for (const [teamId, links] of index.liveTeams) {
    const rows = index.teamMembers.get(teamId)
    for (const l of links) {
      if (!l.link.autoAdd) continue
      for (const userId of l.members) {
        const row = rows?.get(userId)
        if (row !== undefined && (row.deleted !== true || !policy.reAddRemovedMembers)) continue
        const user = addable(userId)
        if (user === undefined) continue
        addTeam(teamId, user, links, `${row === undefined ? 'auto-add' : 're-add (was removed or left)'} via ${l.group.name}`)
      }
    }
  }

  for (const [channelId, links] of index.liveChannels) {
    const channel = index.channels.get(channelId)
    if (channel === undefined) continue
    const teamId = channel.teamId
    const teamLinks = index.liveTeams.get(teamId) ?? []
    const team = index.teams.get(teamId)
    const rows = index.channelMembers.get(channelId)
    const history = index.channelHistory.get(channelId)
    const seen = new Set<string>()
    for (const l of links) {
      if (!l.link.autoAdd) continue
      for (const userId of l.members) {
        if (seen.has(userId) || rows?.has(userId) === true) continue
        seen.add(userId)
        if (!policy.reAddRemovedMembers && history?.has(userId) === true) continue
        const user = addable(userId)
        if (user === undefined) continue
        const teamRow = index.teamMembers.get(teamId)?.get(userId)
        const activeInTeam = teamRow !== undefined && teamRow.deleted !== true && !leavesTeam(teamId, userId)
        if (!activeInTeam && plannedTeam.get(teamId)?.has(userId) !== true) {
          const skip = channelAddObstacle(teamRow?.deleted === true, leavesTeam(teamId, userId), team?.groupConstrained === true, user, teamLinks, policy)
          if (skip !== undefined) {
            warnings.push({
              kind: 'channelAddSkipped',
              channelId,
              userId,
              cause: skip,
              message:
                skip === 'leftTeam'
                  ? `${user.username} is in ${l.group.name} (auto-add to channel ${channel.name}) but left or was removed from team ${team?.name ?? teamId}; not re-added`
                  : `${user.username} is in ${l.group.name} (auto-add to channel ${channel.name}) but in no group of group-synced team ${team?.name ?? teamId}; skipped so the next run does not remove them again`,
            })
            continue
          }
          addTeam(teamId, user, teamLinks, `joins team for channel ${channel.name} (auto-add via ${l.group.name})`)
        }
        const role = indexedRole(user, links, policy)
        channelAdds.push({ kind: 'addChannelMember', channelId, userId, role, reason: `${history?.has(userId) === true ? 're-add' : 'auto-add'} via ${l.group.name}; ${roleReason(role, user, links, policy)}` })
      }
    }
  }
  return { teamAdds, channelAdds }
}

function channelAddObstacle(
  leftTeam: boolean,
  removedThisRun: boolean,
  teamConstrained: boolean,
  user: User,
  teamLinks: readonly LiveLink[],
  policy: SyncPolicy,
): 'leftTeam' | 'notInTeamGroups' | undefined {
  if (removedThisRun) return 'notInTeamGroups'
  if (leftTeam && !policy.reAddRemovedMembers) return 'leftTeam'
  // Adding to a group-synced team someone the same sync would remove is flapping (Mattermost does it).
  if (teamConstrained && !isExemptFromRemoval(user, policy) && !inAnyLinkedGroup(user.id, teamLinks)) return 'notInTeamGroups'
  return undefined
}

function applyLimits(removals: readonly Removal[], index: StateIndex, policy: SyncPolicy, warnings: SyncWarning[]) {
  const { maxRemovalFraction, maxRemovals, fractionMinRemovals } = policy.limits
  const perSyncable = new Map<string, Removal[]>()
  for (const r of removals) {
    const key = r.kind === 'removeTeamMember' ? `team:${r.teamId}` : `channel:${r.channelId}`
    let list = perSyncable.get(key)
    if (list === undefined) perSyncable.set(key, (list = []))
    list.push(r)
  }
  const held: HeldCommand[] = []
  let kept: Removal[] = []
  for (const [key, list] of [...perSyncable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [kind, id] = splitKey(key)
    const active = activeMemberCount(index, kind, id)
    if (list.length >= fractionMinRemovals && list.length > maxRemovalFraction * active) {
      const hold: HoldReason = { kind: 'maxRemovalFraction', syncable: { kind, id }, removals: list.length, activeMembers: active, limit: maxRemovalFraction }
      for (const r of list) held.push({ ...r, hold })
      warnings.push({
        kind: 'removalsHeld',
        hold,
        count: list.length,
        message: `${kind} ${nameOf(index, kind, id)} would lose ${list.length} of ${active} members (more than ${Math.round(maxRemovalFraction * 100)} %): removals held for review`,
      })
    } else kept.push(...list)
  }
  if (kept.length > maxRemovals) {
    const hold: HoldReason = { kind: 'maxRemovals', removals: kept.length, limit: maxRemovals }
    for (const r of kept) held.push({ ...r, hold })
    warnings.push({ kind: 'removalsHeld', hold, count: kept.length, message: `${kept.length} removals exceed the limit of ${maxRemovals}: all held for review` })
    kept = []
  }
  return { kept, held }
}

function splitKey(key: string): ['team' | 'channel', string] {
  const i = key.indexOf(':')
  return [key.slice(0, i) === 'team' ? 'team' : 'channel', key.slice(i + 1)]
}

function activeMemberCount(index: StateIndex, kind: 'team' | 'channel', id: string): number {
  if (kind === 'channel') return index.channelMembers.get(id)?.size ?? 0
  let n = 0
  for (const m of index.teamMembers.get(id)?.values() ?? []) if (m.deleted !== true) n++
  return n
}

function nameOf(index: StateIndex, kind: 'team' | 'channel', id: string): string {
  return (kind === 'team' ? index.teams.get(id)?.name : index.channels.get(id)?.name) ?? id
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
      x.hold.kind === 'maxRemovalFraction' ? `3:${x.hold.kind}:${x.hold.syncable.kind}:${x.hold.syncable.id}` : `3:${x.hold.kind}`,
    )
    .exhaustive()
}

function sortWarnings(list: SyncWarning[]): SyncWarning[] {
  const byKey = new Map<string, SyncWarning>()
  for (const w of list) if (!byKey.has(warningKey(w))) byKey.set(warningKey(w), w)
  return [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, w]) => w)
}
