import type {
  Channel,
  ChannelMember,
  Group,
  GroupLink,
  HoldReason,
  Role,
  SyncableRef,
  SyncCommand,
  SyncPlan,
  SyncPolicyInput,
  SyncState,
  SyncWarning,
  Team,
  TeamMember,
  User,
} from '@grouproles/core'
import { resolvePolicy, toSyncCommand } from '@grouproles/core'
import {
  addTimeRole,
  blocksReAdd,
  channelAddSkip,
  exceedsMaxRemovals,
  exceedsRemovalFraction,
  freezes,
  isAutoAddable,
  isConstrained,
  isExemptFromRemoval,
  isLiveChannel,
  isLiveLink,
  isLiveTeam,
  isRoleSynced,
  joinsByDefault,
  joinsDefaultChannels,
  keepsTownSquare,
  leavesRemovalsToMattermost,
  removesMembers,
  roleChange,
  syncsRoles,
} from '../../src/rules.js'

/** A warning without its `message`. */
export type WarningDecision = SyncWarning extends infer W
  ? W extends SyncWarning
    ? Omit<W, 'message'>
    : never
  : never

/**
 * What a plan decides, without the texts: commands and held commands without `reason`, warnings
 * without `message`. Reasons and messages are words about the same decisions; the legacy
 * property pins them byte for byte.
 */
export interface PlanDecisions {
  readonly commands: readonly SyncCommand[]
  readonly held: readonly (SyncCommand & { readonly hold: HoldReason })[]
  /** As a set: sorted by their JSON. */
  readonly warnings: readonly WarningDecision[]
}

/** A plan's decisions, in the shape `referencePlan` gives them. */
export function decisionsOf(plan: SyncPlan): PlanDecisions {
  return {
    commands: plan.commands.map((c) => toSyncCommand(c)),
    held: plan.held.map((h) => ({ ...toSyncCommand(h), hold: h.hold })),
    warnings: sortedByJson(plan.warnings.map(withoutMessage)),
  }
}

function withoutMessage(w: SyncWarning): WarningDecision {
  return Object.fromEntries(Object.entries(w).filter(([k]) => k !== 'message')) as WarningDecision
}

/**
 * The sync plan, written to be read, not to be fast: every decision is a rule of rules.ts asked
 * of plain array scans over the tidied state, one syncable at a time. The order is planSync's
 * documented order: role changes (teams, then channels), team adds, channel adds, channel
 * removals, team removals, each by (syncable id, user id); held channel removals, then held team
 * removals, each by (syncable id, user id).
 */
export function referencePlan(input: SyncState, policyInput?: SyncPolicyInput): PlanDecisions {
  const policy = resolvePolicy(policyInput)
  const s = tidy(input)
  const warnings: WarningDecision[] = []

  // ---- look-ups ----
  const userById = (id: string): User | undefined => s.users.find((u) => u.id === id)
  const groupById = (id: string): Group | undefined => s.groups.find((g) => g.id === id)
  const teamById = (id: string): Team | undefined => s.teams.find((t) => t.id === id)
  const channelById = (id: string): Channel | undefined => s.channels.find((c) => c.id === id)
  const isLive = (ref: SyncableRef): boolean => {
    if (ref.kind === 'team') {
      const team = teamById(ref.id)
      return team !== undefined && isLiveTeam(team)
    }
    const channel = channelById(ref.id)
    return channel !== undefined && isLiveChannel(channel, teamById(channel.teamId))
  }
  const sameRef = (a: SyncableRef, b: SyncableRef) => a.kind === b.kind && a.id === b.id
  const liveLinks = (ref: SyncableRef): GroupLink[] =>
    s.links.filter(
      (l) => sameRef(l.syncable, ref) && isLiveLink(l, groupById(l.groupId), isLive(ref)),
    )
  const membersOf = (l: GroupLink): string[] =>
    (groupById(l.groupId)?.memberIds ?? []).filter((id) => userById(id) !== undefined)
  const inLinkedGroup = (ref: SyncableRef, userId: string, adminOnly = false): boolean =>
    liveLinks(ref).some((l) => (!adminOnly || l.schemeAdmin) && membersOf(l).includes(userId))
  const isFrozen = (ref: SyncableRef): boolean =>
    liveLinks(ref).some((l) => {
      const group = groupById(l.groupId)
      return group !== undefined && freezes(group)
    })
  const autoAddUsers = (ref: SyncableRef): string[] => [
    ...new Set(liveLinks(ref).flatMap((l) => (l.autoAdd ? membersOf(l) : []))),
  ]
  const roleOn = (ref: SyncableRef, user: User): Role =>
    addTimeRole(user, inLinkedGroup(ref, user.id, true), policy)
  const teamRowOf = (teamId: string, userId: string): TeamMember | undefined =>
    s.teamMembers.find((m) => m.teamId === teamId && m.userId === userId)
  const channelRowOf = (channelId: string, userId: string): ChannelMember | undefined =>
    s.channelMembers.find((m) => m.channelId === channelId && m.userId === userId)

  // ---- warnings about the state itself ----
  for (const l of s.links) {
    const group = groupById(l.groupId)
    if (l.deleted === true || group?.deleted === true) continue
    if (group === undefined)
      warnings.push(unknown('group', l.groupId, `link to ${l.syncable.kind} ${l.syncable.id}`))
    else if (
      (l.syncable.kind === 'team' ? teamById(l.syncable.id) : channelById(l.syncable.id)) ===
      undefined
    )
      warnings.push(unknown(l.syncable.kind, l.syncable.id, `link from group ${group.name}`))
  }
  for (const group of s.groups) {
    if (!freezes(group) || group.deleted === true) continue
    const syncables = [
      ...s.teams.map((t): SyncableRef => ({ kind: 'team', id: t.id })),
      ...s.channels.map((c): SyncableRef => ({ kind: 'channel', id: c.id })),
    ]
      .filter((ref) => liveLinks(ref).some((l) => l.groupId === group.id))
      .sort((a, b) => compare(a.kind, b.kind) || compare(a.id, b.id))
    warnings.push({ kind: 'unavailableGroup', groupId: group.id, groupName: group.name, syncables })
  }

  // ---- the plan, team by team ----
  type Removal = SyncCommand & { readonly kind: 'removeTeamMember' | 'removeChannelMember' }
  const roles: SyncCommand[] = []
  const teamAdds: (SyncCommand & { kind: 'addTeamMember' })[] = []
  const channelAdds: (SyncCommand & { kind: 'addChannelMember' })[] = []
  /** Removals per syncable; `joins`: undoing the plan's own default joins. */
  const removals: { ref: SyncableRef; list: Removal[]; joins: boolean }[] = []
  const left: (Removal & { hold: HoldReason })[] = []

  /** Whom a syncable's sync removes, if they are members: outside its groups, not exempt. */
  const removes = (ref: SyncableRef, x: Team | Channel, user: User): boolean =>
    removesMembers(isConstrained(x), isFrozen(ref)) &&
    !inLinkedGroup(ref, user.id) &&
    !isExemptFromRemoval(user, policy) &&
    (ref.kind === 'team' || !keepsTownSquare(x.name, user.systemRole === 'guest'))
  const removal = (ref: SyncableRef, userId: string): Removal =>
    ref.kind === 'team'
      ? { kind: 'removeTeamMember', teamId: ref.id, userId }
      : { kind: 'removeChannelMember', channelId: ref.id, userId }
  const roleSyncs = (ref: SyncableRef, x: Team | Channel): boolean =>
    syncsRoles(isConstrained(x), liveLinks(ref).length, policy)
  /** Role changes and removals of a syncable's rows; the users it removes. */
  const planRows = (
    ref: SyncableRef,
    x: Team | Channel,
    rows: readonly (TeamMember | ChannelMember)[],
    skip: (userId: string) => boolean,
  ): string[] => {
    const removed: Removal[] = []
    for (const row of rows) {
      const user = userById(row.userId)
      if (user === undefined) {
        if (roleSyncs(ref, x))
          warnings.push(unknown('user', row.userId, `${ref.kind} ${ref.id} membership`))
        continue
      }
      if (skip(user.id)) continue
      if (removes(ref, x, user)) {
        if (!leavesRemovalsToMattermost(x, policy)) {
          removed.push(removal(ref, user.id))
          continue
        }
        left.push({ ...removal(ref, user.id), hold: { kind: 'leftToMattermost', syncable: ref } })
      }
      if (!roleSyncs(ref, x) || !isRoleSynced(user, row, policy)) continue
      const wantsAdmin = roleOn(ref, user) === 'admin'
      if (roleChange(row.schemeAdmin, wantsAdmin, isFrozen(ref)) === undefined) continue
      roles.push(
        ref.kind === 'team'
          ? { kind: 'setTeamMemberAdmin', teamId: ref.id, userId: user.id, schemeAdmin: wantsAdmin }
          : {
              kind: 'setChannelMemberAdmin',
              channelId: ref.id,
              userId: user.id,
              schemeAdmin: wantsAdmin,
            },
      )
    }
    if (removed.length > 0) removals.push({ ref, list: removed, joins: false })
    return removed.map((r) => r.userId)
  }

  for (const team of s.teams.filter(isLiveTeam)) {
    const teamRef: SyncableRef = { kind: 'team', id: team.id }
    const activeRows = s.teamMembers.filter((m) => m.teamId === team.id && m.deleted !== true)
    const removedFromTeam = planRows(teamRef, team, activeRows, () => false)
    const leavingTeam = (userId: string) =>
      removedFromTeam.includes(userId) ||
      left.some((h) => h.kind === 'removeTeamMember' && h.teamId === team.id && h.userId === userId)
    const addedToTeam: string[] = []
    const addToTeam = (user: User) => {
      addedToTeam.push(user.id)
      teamAdds.push({
        kind: 'addTeamMember',
        teamId: team.id,
        userId: user.id,
        role: roleOn(teamRef, user),
      })
    }

    for (const userId of autoAddUsers(teamRef)) {
      const user = userById(userId)
      const row = teamRowOf(team.id, userId)
      if (user === undefined || (row !== undefined && row.deleted !== true)) continue
      if (blocksReAdd(row !== undefined, policy) || !isAutoAddable(user)) continue
      addToTeam(user)
    }

    // Channels by id: the first one that adds a user to the team is the one a reason names.
    const channels = s.channels
      .filter((c) => c.teamId === team.id && isLiveChannel(c, team))
      .sort((a, b) => compare(a.id, b.id))
    for (const channel of channels) {
      const ref: SyncableRef = { kind: 'channel', id: channel.id }
      const rows = s.channelMembers.filter((m) => m.channelId === channel.id)
      planRows(ref, channel, rows, (userId) => removedFromTeam.includes(userId))
      for (const userId of autoAddUsers(ref)) {
        const user = userById(userId)
        if (user === undefined || channelRowOf(channel.id, userId) !== undefined) continue
        const returning = s.channelHistory.some(
          (h) => h.channelId === channel.id && h.userId === userId,
        )
        if (blocksReAdd(returning, policy) || !isAutoAddable(user)) continue
        const teamRow = teamRowOf(team.id, userId)
        const inTeam =
          (teamRow !== undefined && teamRow.deleted !== true && !leavingTeam(userId)) ||
          addedToTeam.includes(userId)
        if (!inTeam) {
          const cause = channelAddSkip(
            user,
            {
              row: teamRow,
              leaving: leavingTeam(userId),
              constrained: isConstrained(team),
              inLinkedGroup: inLinkedGroup(teamRef, userId),
            },
            policy,
          )
          if (cause !== undefined) {
            warnings.push({ kind: 'channelAddSkipped', channelId: channel.id, userId, cause })
            continue
          }
          addToTeam(user)
        }
        channelAdds.push({
          kind: 'addChannelMember',
          channelId: channel.id,
          userId,
          role: roleOn(ref, user),
        })
      }
    }

    // Mattermost joins each new non-guest team member to the team's default channels: undo what
    // the channel's sync would undo, and give the admin flag its role sync wants.
    for (const channel of channels.filter((c) => joinsByDefault(c))) {
      const ref: SyncableRef = { kind: 'channel', id: channel.id }
      const undone: Removal[] = []
      for (const userId of addedToTeam) {
        const user = userById(userId)
        if (user === undefined || !joinsDefaultChannels(user)) continue
        if (channelRowOf(channel.id, userId) !== undefined) continue
        if (channelAdds.some((c) => c.channelId === channel.id && c.userId === userId)) continue
        if (removes(ref, channel, user)) {
          if (leavesRemovalsToMattermost(channel, policy))
            left.push({
              ...removal(ref, userId),
              hold: { kind: 'leftToMattermost', syncable: ref },
            })
          else undone.push(removal(ref, userId))
          continue
        }
        if (roleSyncs(ref, channel) && roleOn(ref, user) === 'admin')
          channelAdds.push({
            kind: 'addChannelMember',
            channelId: channel.id,
            userId,
            role: 'admin',
          })
      }
      if (undone.length > 0) removals.push({ ref, list: undone, joins: true })
    }
  }

  // ---- the limits ----
  const activeMembers = (ref: SyncableRef): number =>
    ref.kind === 'team'
      ? s.teamMembers.filter((m) => m.teamId === ref.id && m.deleted !== true).length
      : s.channelMembers.filter((m) => m.channelId === ref.id).length
  const held: (Removal & { hold: HoldReason })[] = []
  const fractionHeld = new Set<string>()
  for (const ref of uniqueRefs(removals.map((r) => r.ref))) {
    const lost = removals
      .filter((r) => sameRef(r.ref, ref) && !r.joins)
      .reduce((n, r) => n + r.list.length, 0)
    const active = activeMembers(ref)
    if (lost === 0 || !exceedsRemovalFraction(lost, active, policy.limits)) continue
    const hold: Extract<HoldReason, { kind: 'maxRemovalFraction' }> = {
      kind: 'maxRemovalFraction',
      syncable: ref,
      removals: lost,
      activeMembers: active,
      limit: policy.limits.maxRemovalFraction,
    }
    fractionHeld.add(refKey(ref))
    warnings.push({ kind: 'removalsHeld', hold, count: lost })
    for (const r of removals.filter((x) => sameRef(x.ref, ref)))
      held.push(...r.list.map((c) => ({ ...c, hold })))
  }
  let kept = removals.filter((r) => !fractionHeld.has(refKey(r.ref))).flatMap((r) => r.list)
  if (exceedsMaxRemovals(kept.length, policy.limits)) {
    const hold: Extract<HoldReason, { kind: 'maxRemovals' }> = {
      kind: 'maxRemovals',
      removals: kept.length,
      limit: policy.limits.maxRemovals,
    }
    warnings.push({ kind: 'removalsHeld', hold, count: kept.length })
    held.push(...kept.map((c) => ({ ...c, hold })))
    kept = []
  }

  const ofKind = <K extends SyncCommand['kind']>(list: readonly SyncCommand[], kind: K) =>
    sortedBySyncableThenUser(
      list.filter((c): c is Extract<SyncCommand, { kind: K }> => c.kind === kind),
    )
  const allHeld = [...held, ...left]
  return {
    commands: [
      ...ofKind(roles, 'setTeamMemberAdmin'),
      ...ofKind(roles, 'setChannelMemberAdmin'),
      ...ofKind(teamAdds, 'addTeamMember'),
      ...ofKind(channelAdds, 'addChannelMember'),
      ...ofKind(kept, 'removeChannelMember'),
      ...ofKind(kept, 'removeTeamMember'),
    ],
    held: [
      ...sortedBySyncableThenUser(allHeld.filter((c) => c.kind === 'removeChannelMember')),
      ...sortedBySyncableThenUser(allHeld.filter((c) => c.kind === 'removeTeamMember')),
    ],
    warnings: sortedByJson(uniqueByKey(warnings)),
  }
}

/**
 * The state with one record per key, as planSync reads an untidy export: of two records with
 * the same key the one whose canonical JSON is greater counts (so the input order does not
 * matter), group members and history are sets. References to records the state does not have are
 * left in: the plan ignores them (or warns).
 */
export function tidy(s: SyncState): SyncState {
  return {
    users: oneEach(s.users, (u) => u.id),
    groups: oneEach(s.groups, (g) => g.id).map((g) => ({
      ...g,
      memberIds: [...new Set(g.memberIds)],
    })),
    teams: oneEach(s.teams, (t) => t.id),
    channels: oneEach(s.channels, (c) => c.id),
    links: oneEach(s.links, (l) => `${l.syncable.kind}:${l.syncable.id}:${l.groupId}`),
    teamMembers: oneEach(s.teamMembers, (m) => `${m.teamId}:${m.userId}`),
    channelMembers: oneEach(s.channelMembers, (m) => `${m.channelId}:${m.userId}`),
    channelHistory: oneEach(s.channelHistory, (h) => `${h.channelId}:${h.userId}`),
  }
}

function oneEach<T extends object>(items: readonly T[], key: (item: T) => string): T[] {
  const chosen = new Map<string, T>()
  for (const item of items) {
    const other = chosen.get(key(item))
    chosen.set(key(item), other === undefined || canonical(item) > canonical(other) ? item : other)
  }
  return [...chosen.values()]
}

/** JSON with sorted keys, `undefined` fields left out, a group's `memberIds` as a sorted set. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object')
    return value === undefined ? 'undefined' : JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compare(a, b))
    .map(([k, v]) => {
      const text =
        k === 'memberIds' && Array.isArray(v) ? canonical([...new Set(v)].sort()) : canonical(v)
      return `${JSON.stringify(k)}:${text}`
    })
  return `{${entries.join(',')}}`
}

function unknown(
  entity: 'user' | 'group' | 'team' | 'channel',
  id: string,
  where: string,
): WarningDecision {
  return { kind: 'unknownReference', entity, id, where }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function refKey(ref: SyncableRef): string {
  return `${ref.kind}:${ref.id}`
}

function uniqueRefs(refs: readonly SyncableRef[]): SyncableRef[] {
  return [...new Map(refs.map((r) => [refKey(r), r])).values()]
}

function sortedBySyncableThenUser<C extends SyncCommand>(list: readonly C[]): C[] {
  const id = (c: SyncCommand) => ('teamId' in c ? c.teamId : c.channelId)
  return [...list].sort((a, b) => compare(id(a), id(b)) || compare(a.userId, b.userId))
}

function sortedByJson<T>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)))
}

function uniqueByKey<T>(list: readonly T[]): T[] {
  return [...new Map(list.map((w) => [JSON.stringify(w), w])).values()]
}
