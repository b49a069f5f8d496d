import type { Channel, ChannelMember, Group, GroupLink, SyncableRef, SyncState, Team, TeamMember, User } from '../model.js'
import type { SyncWarning } from '../sync-command.js'

/** A live link (link, group and syncable all live) with its group resolved. */
export interface LiveLink {
  readonly link: GroupLink
  readonly group: Group
  readonly members: ReadonlySet<string>
}

/**
 * Maps built once per plan, so every later question is a hash lookup and planning stays linear in
 * the size of the state. Duplicate keys in the input are merged deterministically (see `pick`).
 */
export interface StateIndex {
  readonly users: ReadonlyMap<string, User>
  readonly groups: ReadonlyMap<string, Group>
  readonly groupMembers: ReadonlyMap<string, ReadonlySet<string>>
  readonly teams: ReadonlyMap<string, Team>
  readonly channels: ReadonlyMap<string, Channel>
  /** Live teams and live O/P channels of live teams, each with its live links (possibly none). */
  readonly liveTeams: ReadonlyMap<string, readonly LiveLink[]>
  readonly liveChannels: ReadonlyMap<string, readonly LiveLink[]>
  readonly teamMembers: ReadonlyMap<string, ReadonlyMap<string, TeamMember>>
  readonly channelMembers: ReadonlyMap<string, ReadonlyMap<string, ChannelMember>>
  readonly channelHistory: ReadonlyMap<string, ReadonlySet<string>>
  readonly warnings: readonly SyncWarning[]
  readonly liveLinkCount: number
}

const emptyLinks: readonly LiveLink[] = Object.freeze([])

/** Builds the index; never throws on odd data, which becomes warnings instead. */
export function indexState(state: SyncState): StateIndex {
  const warnings: SyncWarning[] = []
  const users = byKey(state.users, (u) => u.id)
  const groups = byKey(state.groups, (g) => g.id)
  const teams = byKey(state.teams, (t) => t.id)
  const channels = byKey(state.channels, (c) => c.id)

  const groupMembers = new Map<string, ReadonlySet<string>>()
  for (const group of groups.values()) groupMembers.set(group.id, new Set(group.memberIds))

  const liveTeams = new Map<string, LiveLink[]>()
  for (const team of teams.values()) if (team.deleted !== true) liveTeams.set(team.id, [])
  const liveChannels = new Map<string, LiveLink[]>()
  for (const channel of channels.values()) {
    if (channel.deleted === true || (channel.type !== 'O' && channel.type !== 'P')) continue
    if (!liveTeams.has(channel.teamId)) continue
    liveChannels.set(channel.id, [])
  }

  let liveLinkCount = 0
  const links = byKey(state.links, (l) => `${l.syncable.kind}:${l.syncable.id}:${l.groupId}`)
  for (const link of links.values()) {
    if (link.deleted === true) continue
    const group = groups.get(link.groupId)
    if (group === undefined) {
      warnings.push(unknown('group', link.groupId, `link to ${link.syncable.kind} ${link.syncable.id}`))
      continue
    }
    if (group.deleted === true) continue
    const target = (link.syncable.kind === 'team' ? liveTeams : liveChannels).get(link.syncable.id)
    if (target === undefined) {
      const known = link.syncable.kind === 'team' ? teams.has(link.syncable.id) : channels.has(link.syncable.id)
      if (!known) warnings.push(unknown(link.syncable.kind, link.syncable.id, `link from group ${group.name}`))
      continue
    }
    target.push({ link, group, members: groupMembers.get(group.id) ?? new Set() })
    liveLinkCount++
  }

  const teamMembers = new Map<string, Map<string, TeamMember>>()
  for (const m of state.teamMembers) {
    const rows = mapOf(teamMembers, m.teamId)
    const previous = rows.get(m.userId)
    rows.set(m.userId, previous === undefined ? m : pick(previous, m))
  }
  const channelMembers = new Map<string, Map<string, ChannelMember>>()
  for (const m of state.channelMembers) {
    const rows = mapOf(channelMembers, m.channelId)
    const previous = rows.get(m.userId)
    rows.set(m.userId, previous === undefined ? m : pick(previous, m))
  }
  const channelHistory = new Map<string, Set<string>>()
  for (const h of state.channelHistory) {
    let set = channelHistory.get(h.channelId)
    if (set === undefined) channelHistory.set(h.channelId, (set = new Set()))
    set.add(h.userId)
  }

  return { users, groups, groupMembers, teams, channels, liveTeams, liveChannels, teamMembers, channelMembers, channelHistory, warnings, liveLinkCount }
}

/** Live links of a syncable, or `undefined` when the syncable is not live. */
export function liveLinksOf(index: StateIndex, syncable: SyncableRef): readonly LiveLink[] | undefined {
  return (syncable.kind === 'team' ? index.liveTeams : index.liveChannels).get(syncable.id)
}

export function linksOrEmpty(links: readonly LiveLink[] | undefined): readonly LiveLink[] {
  return links ?? emptyLinks
}

export function unknown(entity: 'user' | 'group' | 'team' | 'channel', id: string, where: string): SyncWarning {
  return { kind: 'unknownReference', entity, id, where, message: `${where} names ${entity} ${id}, which is not in the state; ignored` }
}

function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key)
  if (inner === undefined) outer.set(key, (inner = new Map()))
  return inner
}

function byKey<T extends object>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>()
  for (const item of items) {
    const k = key(item)
    const previous = map.get(k)
    map.set(k, previous === undefined ? item : pick(previous, item))
  }
  return map
}

/**
 * Chooses between two records with the same key by their canonical text, so the choice does not
 * depend on input order (planSync must be deterministic under permutation). Only runs on collisions.
 */
function pick<T extends object>(a: T, b: T): T {
  return canonical(a) >= canonical(b) ? a : b
}

/** JSON with sorted keys: equal for equal records whatever their key order. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined'
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`
}
