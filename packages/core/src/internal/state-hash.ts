import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  Team,
  TeamMember,
  User,
} from '../model.js'
import type { IdTable } from './id-table.js'
import { intAt } from './int-at.js'
import { hashInto, HashTag, type MultisetHash } from './multiset-hash.js'
import { lastIdLookup, type RowLayout } from './row-layout.js'

// The fingerprints: every input record hashed into one of two multiset hashes, `target` (the
// Mattermost side) or `rest` (groups, links, config). The big row passes also hand each row's
// slots to a `RowLayout` on the way, so the index reads each array once. Every input row is
// hashed, repeats included: the hash is of the multiset of rows, as the input has them.

/**
 * Hashes of user and syncable ids, computed once per entity: a record names an entity by slot
 * when the state has it, else by its id text (the same hash either way).
 */
export class IdHashes {
  readonly #syncA: Int32Array
  readonly #syncB: Int32Array

  constructor(
    readonly userA: Int32Array,
    readonly userB: Int32Array,
    syncableIds: readonly string[],
  ) {
    this.#syncA = new Int32Array(syncableIds.length)
    this.#syncB = new Int32Array(syncableIds.length)
    syncableIds.forEach((id, i) => {
      hashInto(id, this.#syncA, this.#syncB, i)
    })
  }

  user(h: MultisetHash, u: number, id: string): MultisetHash {
    // Per row: direct reads, each site with its own type feedback (see IdTable.get).
    return u >= 0 ? h.mix(this.userA[u] ?? 0, this.userB[u] ?? 0) : h.str(id)
  }

  syncable(h: MultisetHash, s: number, id: string): MultisetHash {
    return s >= 0 ? h.mix(this.#syncA[s] ?? 0, this.#syncB[s] ?? 0) : h.str(id)
  }
}

/** Users, by the lane hashes of their slot's id. */
export function hashUsers(
  h: MultisetHash,
  users: readonly User[],
  slotOfInput: Int32Array,
  userSlot: IdTable,
): void {
  users.forEach((u, n) => {
    const i = intAt(slotOfInput, n)
    h.begin(HashTag.User)
      .mix(intAt(userSlot.laneA, i), intAt(userSlot.laneB, i))
      .str(u.username)
      .str(u.email)
      .str(u.authData)
      .str(u.systemRole)
      .flags(u.isBot, u.deactivated)
      .end()
  })
}

export function hashGroups(rest: MultisetHash, groups: readonly Group[]): void {
  for (const g of groups)
    rest
      .begin(HashTag.Group)
      .str(g.id)
      .str(g.name)
      .str(g.status ?? 'complete')
      .flags(g.deleted)
      .end()
}

export function hashTeams(target: MultisetHash, rest: MultisetHash, teams: readonly Team[]): void {
  for (const t of teams) {
    target.begin(HashTag.Team).str(t.id).str(t.name).flags(t.groupConstrained, t.deleted).end()
    // Config, not a Mattermost row: in the state fingerprint only, and only when set, so that
    // states without it keep the fingerprints they had.
    if (t.managed === true || t.managedBy !== undefined)
      rest.begin(HashTag.TeamConfig).str(t.id).flags(t.managed).str(t.managedBy).end()
  }
}

export function hashChannels(
  target: MultisetHash,
  rest: MultisetHash,
  channels: readonly Channel[],
): void {
  for (const c of channels) {
    target
      .begin(HashTag.Channel)
      .str(c.id)
      .str(c.teamId)
      .str(c.name)
      .str(c.type)
      .flags(c.groupConstrained, c.deleted)
      .end()
    if (c.managed === true || c.managedBy !== undefined || c.defaultChannel === true)
      rest
        .begin(HashTag.ChannelConfig)
        .str(c.id)
        .flags(c.managed, c.defaultChannel)
        .str(c.managedBy)
        .end()
  }
}

export function hashLinks(rest: MultisetHash, links: readonly GroupLink[]): void {
  for (const l of links)
    rest
      .begin(HashTag.Link)
      .str(l.groupId)
      .str(l.syncable.kind)
      .str(l.syncable.id)
      .flags(l.autoAdd, l.schemeAdmin, l.deleted)
      .end()
}

// The passes over the big arrays are functions of their own, with plain loops: V8 optimises
// (and inlines into) each one, where one function of all passes outgrew its inlining budget.

/**
 * Group members as user slots, duplicates dropped (group members are a set); members who are not
 * users are only hashed, once per id.
 */
export function readGroupMembers(
  groups: ReadonlyMap<string, Group>,
  userSlot: IdTable,
  ids: IdHashes,
  h: MultisetHash,
): Map<string, Int32Array> {
  const memberSlots = new Map<string, Int32Array>()
  const laneA = new Int32Array(1)
  const laneB = new Int32Array(1)
  const seen = new Int32Array(userSlot.size).fill(-1)
  const scratch = new Int32Array(userSlot.size)
  let stamp = 0
  for (const group of groups.values()) {
    hashInto(group.id, laneA, laneB, 0)
    const ga = intAt(laneA, 0)
    const gb = intAt(laneB, 0)
    const memberIds = group.memberIds
    let n = 0
    let strangers: Set<string> | undefined
    for (let i = 0; i < memberIds.length; i++) {
      const id = memberIds[i]
      if (id === undefined) continue
      const u = userSlot.get(id)
      if (u < 0) {
        strangers ??= new Set()
        if (strangers.has(id)) continue
        strangers.add(id)
        h.begin(HashTag.GroupMember).mix(ga, gb).str(id).end()
        continue
      }
      if (seen[u] === stamp) continue
      seen[u] = stamp
      scratch[n++] = u
      ids.user(h.begin(HashTag.GroupMember).mix(ga, gb), u, id).end()
    }
    memberSlots.set(group.id, scratch.slice(0, n))
    stamp++
  }
  return memberSlots
}

export function readTeamRows(
  rows: readonly TeamMember[],
  slots: ReadonlyMap<string, number>,
  userSlot: IdTable,
  ids: IdHashes,
  h: MultisetHash,
  out: RowLayout,
): void {
  const slotOf = lastIdLookup(slots)
  for (let i = 0; i < rows.length; i++) {
    const m = rows[i]
    if (m === undefined) continue
    const s = slotOf(m.teamId)
    const u = userSlot.get(m.userId)
    ids
      .user(ids.syncable(h.begin(HashTag.TeamMember), s, m.teamId), u, m.userId)
      .flags(m.schemeAdmin, m.schemeGuest, m.deleted)
      .end()
    out.note(i, s, u)
  }
}

export function readChannelRows(
  rows: readonly ChannelMember[],
  slots: ReadonlyMap<string, number>,
  userSlot: IdTable,
  ids: IdHashes,
  h: MultisetHash,
  out: RowLayout,
  offset: number,
): void {
  const slotOf = lastIdLookup(slots)
  for (let i = 0; i < rows.length; i++) {
    const m = rows[i]
    if (m === undefined) continue
    const s = slotOf(m.channelId)
    const u = userSlot.get(m.userId)
    ids
      .user(ids.syncable(h.begin(HashTag.ChannelMember), s, m.channelId), u, m.userId)
      .flags(m.schemeAdmin, m.schemeGuest)
      .end()
    out.note(offset + i, s, u)
  }
}

/**
 * Rows of known channels go to `out`, with the lane hashes of their user id (hashed once
 * de-duplicated, by `hashHistoryRow`); rows of unknown channels are hashed here, once per
 * (channel, user) text pair. History is a set of pairs: Mattermost keeps a row per join.
 */
export function readHistory(
  rows: readonly ChannelHistory[],
  slots: ReadonlyMap<string, number>,
  ids: IdHashes,
  h: MultisetHash,
  out: RowLayout,
  laneA: Int32Array,
  laneB: Int32Array,
): void {
  const slotOf = lastIdLookup(slots)
  let strangers: Set<string> | undefined
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    if (row === undefined) continue
    const s = slotOf(row.channelId)
    out.note(i, s, -1)
    if (s >= 0) {
      hashInto(row.userId, laneA, laneB, i)
      continue
    }
    strangers ??= new Set()
    const key = `${row.channelId}\u0000${row.userId}`
    if (strangers.has(key)) continue
    strangers.add(key)
    ids.user(ids.syncable(h.begin(HashTag.History), s, row.channelId), -1, row.userId).end()
  }
}

/** One de-duplicated history row `i` of the channel at slot `s`. */
export function hashHistoryRow(
  ids: IdHashes,
  h: MultisetHash,
  s: number,
  laneA: Int32Array,
  laneB: Int32Array,
  i: number,
): void {
  ids.syncable(h.begin(HashTag.History), s, '').mix(intAt(laneA, i), intAt(laneB, i)).end()
}
