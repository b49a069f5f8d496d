import type {
  ChannelMember,
  Group,
  GroupLink,
  SyncableRef,
  SyncState,
  TeamMember,
  User,
} from '../model.js'
import type { SyncWarning } from '../sync-command.js'
import { hashA, hashB, HashTag, MultisetHash } from './multiset-hash.js'

/** A live link (link, group and syncable all live) with its group's members as user slots. */
export interface LiveLink {
  readonly link: GroupLink
  readonly group: Group
  /** User slots of the group's members that are users of the state, without duplicates. */
  readonly members: Int32Array
}

/** A team or a channel, numbered: teams are 0..teams-1, channels follow. */
export interface SyncableSlot {
  readonly ref: SyncableRef
  readonly name: string
  readonly groupConstrained: boolean
  /** Team slot of a channel (the team's own slot for a team). */
  readonly teamSlot: number
  readonly live: boolean
  readonly links: LiveLink[]
  /** Membership rows of this syncable (one per user; duplicates already merged). */
  readonly rows: (TeamMember | ChannelMember)[]
  /** User slot of each row, or -1 when the row names a user the state does not have. */
  readonly rowUsers: number[]
  /** Users with a channel history row (channels with an auto-add link only; empty otherwise). */
  readonly history: number[]
}

/**
 * Everything `planSync` asks, indexed once: users and syncables get integer slots so that the plan
 * loops can answer "is u a member / in a linked group / an admin here" with typed-array stamps
 * instead of per-syncable hash maps. Linear in the size of the state; never throws on odd data.
 */
export interface StateIndex {
  readonly users: readonly User[]
  readonly userSlot: ReadonlyMap<string, number>
  readonly groups: ReadonlyMap<string, Group>
  readonly syncables: readonly SyncableSlot[]
  readonly teamCount: number
  readonly syncableSlot: {
    readonly team: ReadonlyMap<string, number>
    readonly channel: ReadonlyMap<string, number>
  }
  /** Live channel slots of each team slot. */
  readonly channelsOfTeam: readonly number[][]
  readonly warnings: readonly SyncWarning[]
  readonly liveLinkCount: number
  /** Hash of the Mattermost side (users, teams, channels, memberships, history): `targetFingerprint`. */
  readonly targetHash: MultisetHash
  /** Hash of the rest (groups, group members, links); with the target and the policy: `fingerprint`. */
  readonly groupHash: MultisetHash
}

/**
 * Indexes a state in one pass over each array, hashing every record on the way (the fingerprints
 * come from the same look-ups the index needs, so they cost almost nothing more).
 */
export function indexState(state: SyncState): StateIndex {
  const warnings: SyncWarning[] = []
  const target = new MultisetHash()
  const rest = new MultisetHash()

  const users: User[] = []
  const userSlot = new Map<string, number>()
  for (const u of state.users) {
    const known = userSlot.get(u.id)
    if (known === undefined) {
      userSlot.set(u.id, users.length)
      users.push(u)
    } else users[known] = pick(users[known] as User, u)
  }
  const userA = new Uint32Array(users.length)
  const userB = new Uint32Array(users.length)
  users.forEach((u, i) => {
    userA[i] = hashA(u.id)
    userB[i] = hashB(u.id)
  })
  for (const u of state.users) {
    const i = userSlot.get(u.id) as number
    target
      .begin(HashTag.User)
      .mix(userA[i] as number, userB[i] as number)
      .str(u.username)
      .str(u.email)
      .str(u.authData)
      .str(u.systemRole)
      .flags(u.isBot, u.deactivated)
      .end()
  }
  const hashUser = (h: MultisetHash, slot: number, id: string): MultisetHash =>
    slot >= 0 ? h.mix(userA[slot] as number, userB[slot] as number) : h.str(id)

  const groups = byKey(state.groups, (g) => g.id)
  for (const g of state.groups)
    rest
      .begin(HashTag.Group)
      .str(g.id)
      .str(g.name)
      .str(g.status ?? 'complete')
      .flags(g.deleted)
      .end()
  const teams = [...byKey(state.teams, (t) => t.id).values()]
  for (const t of state.teams)
    target.begin(HashTag.Team).str(t.id).str(t.name).flags(t.groupConstrained, t.deleted).end()
  const channels = [...byKey(state.channels, (c) => c.id).values()]
  for (const c of state.channels)
    target
      .begin(HashTag.Channel)
      .str(c.id)
      .str(c.teamId)
      .str(c.name)
      .str(c.type)
      .flags(c.groupConstrained, c.deleted)
      .end()

  const syncables: SyncableSlot[] = []
  const teamSlots = new Map<string, number>()
  const channelSlots = new Map<string, number>()
  const slot = (
    ref: SyncableRef,
    name: string,
    groupConstrained: boolean,
    teamSlot: number,
    live: boolean,
  ) => {
    syncables.push({
      ref,
      name,
      groupConstrained,
      teamSlot,
      live,
      links: [],
      rows: [],
      rowUsers: [],
      history: [],
    })
  }
  for (const t of teams) {
    teamSlots.set(t.id, syncables.length)
    slot(
      { kind: 'team', id: t.id },
      t.name,
      t.groupConstrained,
      syncables.length,
      t.deleted !== true,
    )
  }
  const channelsOfTeam: number[][] = teams.map(() => [])
  for (const c of channels) {
    const ts = teamSlots.get(c.teamId) ?? -1
    const live =
      c.deleted !== true &&
      (c.type === 'O' || c.type === 'P') &&
      ts >= 0 &&
      (syncables[ts] as SyncableSlot).live
    const s = syncables.length
    channelSlots.set(c.id, s)
    slot({ kind: 'channel', id: c.id }, c.name, c.groupConstrained, ts, live)
    if (live) (channelsOfTeam[ts] as number[]).push(s)
  }
  const syncA = new Uint32Array(syncables.length)
  const syncB = new Uint32Array(syncables.length)
  syncables.forEach((x, i) => {
    syncA[i] = hashA(x.ref.id)
    syncB[i] = hashB(x.ref.id)
  })
  const hashSyncable = (h: MultisetHash, s: number | undefined, id: string): MultisetHash =>
    s === undefined ? h.str(id) : h.mix(syncA[s] as number, syncB[s] as number)

  // Group members as user slots, duplicates dropped; members who are not users of the state are
  // hashed (the fingerprint covers them) but cannot be planned for.
  const memberSlots = new Map<string, Int32Array>()
  const seen = new Int32Array(users.length).fill(-1)
  let groupNo = 0
  for (const group of groups.values()) {
    const stamp = groupNo++
    const ga = hashA(group.id)
    const gb = hashB(group.id)
    const out: number[] = []
    let strangers: Set<string> | undefined
    for (const id of group.memberIds) {
      const u = userSlot.get(id)
      if (u === undefined) {
        strangers ??= new Set()
        if (strangers.has(id)) continue
        strangers.add(id)
        rest.begin(HashTag.GroupMember).mix(ga, gb).str(id).end()
        continue
      }
      if (seen[u] === stamp) continue
      seen[u] = stamp
      out.push(u)
      rest
        .begin(HashTag.GroupMember)
        .mix(ga, gb)
        .mix(userA[u] as number, userB[u] as number)
        .end()
    }
    memberSlots.set(group.id, Int32Array.from(out))
  }

  let liveLinkCount = 0
  for (const l of state.links)
    rest
      .begin(HashTag.Link)
      .str(l.groupId)
      .str(l.syncable.kind)
      .str(l.syncable.id)
      .flags(l.autoAdd, l.schemeAdmin, l.deleted)
      .end()
  for (const link of byKey(
    state.links,
    (l) => `${l.syncable.kind}:${l.syncable.id}:${l.groupId}`,
  ).values()) {
    if (link.deleted === true) continue
    const group = groups.get(link.groupId)
    if (group === undefined) {
      warnings.push(
        unknown('group', link.groupId, `link to ${link.syncable.kind} ${link.syncable.id}`),
      )
      continue
    }
    if (group.deleted === true) continue
    const s = (link.syncable.kind === 'team' ? teamSlots : channelSlots).get(link.syncable.id)
    if (s === undefined) {
      warnings.push(unknown(link.syncable.kind, link.syncable.id, `link from group ${group.name}`))
      continue
    }
    const targetSlot = syncables[s] as SyncableSlot
    if (!targetSlot.live) continue
    targetSlot.links.push({ link, group, members: memberSlots.get(group.id) ?? new Int32Array(0) })
    liveLinkCount++
  }

  // Sorted so that reasons naming "the" group and the channel that pulls a user into its team do
  // not depend on input order (planSync is deterministic under permutation).
  for (const x of syncables) x.links.sort((a, b) => compareIds(a.group.id, b.group.id))
  for (const list of channelsOfTeam)
    list.sort((a, b) =>
      compareIds((syncables[a] as SyncableSlot).ref.id, (syncables[b] as SyncableSlot).ref.id),
    )

  // Rows usually arrive grouped by syncable: remembering the last id saves most map look-ups.
  let lastId: string | undefined
  let lastSlot: number | undefined
  const lookup = (map: ReadonlyMap<string, number>, id: string): number | undefined => {
    if (id !== lastId) {
      lastId = id
      lastSlot = map.get(id)
    }
    return lastSlot
  }
  const place = (s: number | undefined, row: TeamMember | ChannelMember, u: number): void => {
    if (s === undefined) return
    const x = syncables[s] as SyncableSlot
    x.rows.push(row)
    x.rowUsers.push(u)
  }
  for (const m of state.teamMembers) {
    const s = lookup(teamSlots, m.teamId)
    const u = userSlot.get(m.userId) ?? -1
    hashUser(hashSyncable(target.begin(HashTag.TeamMember), s, m.teamId), u, m.userId)
      .flags(m.schemeAdmin, m.schemeGuest, m.deleted)
      .end()
    place(s, m, u)
  }
  lastId = undefined
  for (const m of state.channelMembers) {
    const s = lookup(channelSlots, m.channelId)
    const u = userSlot.get(m.userId) ?? -1
    hashUser(hashSyncable(target.begin(HashTag.ChannelMember), s, m.channelId), u, m.userId)
      .flags(m.schemeAdmin, m.schemeGuest)
      .end()
    place(s, m, u)
  }
  mergeDuplicateRows(syncables, users.length)

  // History is a set of (channel, user) pairs: Mattermost keeps a row per join, we keep presence.
  lastId = undefined
  let strangers: Set<string> | undefined
  for (const h of state.channelHistory) {
    const s = lookup(channelSlots, h.channelId)
    const u = userSlot.get(h.userId)
    if (s === undefined || u === undefined) {
      strangers ??= new Set()
      const key = `${h.channelId}\u0000${h.userId}`
      if (strangers.has(key)) continue
      strangers.add(key)
      hashUser(hashSyncable(target.begin(HashTag.History), s, h.channelId), u ?? -1, h.userId).end()
      continue
    }
    ;(syncables[s] as SyncableSlot).history.push(u)
  }
  syncables.forEach((x, s) => {
    if (x.history.length === 0) return
    const unique = uniqueSlots(x.history, seen, s + groupNo)
    x.history.length = 0
    x.history.push(...unique)
    for (const u of unique)
      target
        .begin(HashTag.History)
        .mix(syncA[s] as number, syncB[s] as number)
        .mix(userA[u] as number, userB[u] as number)
        .end()
  })

  return {
    users,
    userSlot,
    groups,
    syncables,
    teamCount: teams.length,
    syncableSlot: { team: teamSlots, channel: channelSlots },
    channelsOfTeam,
    warnings,
    liveLinkCount,
    targetHash: target,
    groupHash: rest,
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function uniqueSlots(slots: readonly number[], seen: Int32Array, stamp: number): number[] {
  const out: number[] = []
  for (const u of slots) {
    if (seen[u] === stamp) continue
    seen[u] = stamp
    out.push(u)
  }
  return out
}

/** Two rows for one (syncable, user) are rare: found with one stamp array, merged by `pick`. */
function mergeDuplicateRows(syncables: SyncableSlot[], userCount: number): void {
  const at = new Int32Array(userCount).fill(-1)
  const owner = new Int32Array(userCount).fill(-1)
  syncables.forEach((target, n) => {
    let unknownIds: Map<string, number> | undefined
    let dropped = false
    const keep: boolean[] = []
    for (let i = 0; i < target.rows.length; i++) {
      keep.push(true)
      const u = target.rowUsers[i] as number
      const row = target.rows[i] as TeamMember | ChannelMember
      let first: number | undefined
      if (u >= 0) {
        if (owner[u] === n) first = at[u]
        else {
          owner[u] = n
          at[u] = i
        }
      } else {
        unknownIds ??= new Map()
        first = unknownIds.get(row.userId)
        if (first === undefined) unknownIds.set(row.userId, i)
      }
      if (first === undefined) continue
      target.rows[first] = pick(target.rows[first] as TeamMember | ChannelMember, row)
      keep[i] = false
      dropped = true
    }
    if (!dropped) return
    const rowsKept = target.rows.filter((_, i) => keep[i])
    const usersKept = target.rowUsers.filter((_, i) => keep[i])
    target.rows.length = 0
    target.rows.push(...rowsKept)
    target.rowUsers.length = 0
    target.rowUsers.push(...usersKept)
  })
}

/** The slot of a syncable, or `undefined` when the state does not have it. */
export function slotOf(index: StateIndex, ref: SyncableRef): SyncableSlot | undefined {
  const s = (ref.kind === 'team' ? index.syncableSlot.team : index.syncableSlot.channel).get(ref.id)
  return s === undefined ? undefined : index.syncables[s]
}

export function unknown(
  entity: 'user' | 'group' | 'team' | 'channel',
  id: string,
  where: string,
): SyncWarning {
  return {
    kind: 'unknownReference',
    entity,
    id,
    where,
    message: `${where} names ${entity} ${id}, which is not in the state; ignored`,
  }
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

/**
 * JSON with sorted keys: equal for equal records whatever their key order. A group's `memberIds`
 * is a set (its order and repeats mean nothing, and shuffling it must not change which of two
 * rows for one group wins), so it is written sorted and de-duplicated.
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object')
    return value === undefined ? 'undefined' : JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
  const text = (k: string): string => {
    const v = record[k]
    return k === 'memberIds' && Array.isArray(v) ? canonical([...new Set(v)].sort()) : canonical(v)
  }
  return `{${keys.map((k) => `${JSON.stringify(k)}:${text(k)}`).join(',')}}`
}
