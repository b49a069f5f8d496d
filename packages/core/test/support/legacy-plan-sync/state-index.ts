import type {
  Channel,
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  SyncableRef,
  SyncState,
  Team,
  TeamMember,
  User,
} from '../../../src/model.js'
import type { SyncWarning } from '../../../src/sync-command.js'
import { HistoryTable } from './history-table.js'
import { IdTable } from './id-table.js'
import { hashInto, HashTag, MultisetHash } from './multiset-hash.js'
import { constraintLabel, isConstrained, joinsByDefault } from './rules.js'

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
  /** Mattermost's own flag: removals are refused by its REST API (see `leftToMattermost`). */
  readonly groupConstrained: boolean
  /** Planned like a group-constrained syncable: `groupConstrained` or `managed` (see rules.ts). */
  readonly constrained: boolean
  readonly managed: boolean
  /** Why it is constrained, as reasons say it (`''` when it is not): see `constraintLabel`. */
  readonly constraint: string
  /** A live channel new non-guest members of its team join (`joinsByDefault`). */
  readonly defaultJoin: boolean
  /** Team slot of a channel (the team's own slot for a team). */
  readonly teamSlot: number
  readonly live: boolean
  readonly links: LiveLink[]
  /**
   * This syncable's membership rows (one per user; duplicates already merged) are positions
   * `rowStart..rowEnd-1` of `StateIndex.rowInput` / `rowUser`.
   */
  rowStart: number
  rowEnd: number
  /** Rows that are not soft-deleted. */
  activeRows: number
  /**
   * This channel's history rows, one per user id: `StateIndex.historyRow[historyStart..historyEnd-1]`
   * (indexes into `channelHistory`).
   */
  historyStart: number
  historyEnd: number
}

/** Bits of `StateIndex.userFlags`: the user facts the plan loops ask, without touching the objects. */
export const UserFlag = { Guest: 1, SystemAdmin: 2, Bot: 4, Deactivated: 8 } as const

/**
 * Everything `planSync` asks, indexed once: users and syncables get integer slots so that the plan
 * loops can answer "is u a member / in a linked group / an admin here" with typed-array stamps
 * instead of per-syncable hash maps. Memberships are laid out by syncable in flat typed arrays
 * (see `RowLayout`), so that millions of rows cost no per-syncable arrays and little garbage.
 * Linear in the size of the state; never throws on odd data.
 */
export interface StateIndex {
  readonly users: readonly User[]
  /** User id → slot (`get` gives -1 for an id the state does not have). */
  readonly userSlot: IdTable
  readonly userFlags: Uint8Array
  readonly groups: ReadonlyMap<string, Group>
  readonly syncables: readonly SyncableSlot[]
  readonly teamCount: number
  readonly syncableSlot: {
    readonly team: ReadonlyMap<string, number>
    readonly channel: ReadonlyMap<string, number>
  }
  /** Live channel slots of each team slot. */
  readonly channelsOfTeam: readonly number[][]
  /** The input rows: a team's `rowInput` entries index `teamMembers`, a channel's `channelMembers`. */
  readonly teamMembers: readonly TeamMember[]
  readonly channelMembers: readonly ChannelMember[]
  readonly rowInput: Int32Array
  /** User slot of each row, or -1 when the row names a user the state does not have. */
  readonly rowUser: Int32Array
  readonly channelHistory: readonly ChannelHistory[]
  readonly historyRow: Int32Array
  /**
   * Lane hashes of each history row's user id, by input row (see `HistoryTable`); a user's are
   * `userSlot.laneA`/`laneB`, equal for the same id.
   */
  readonly historyLaneA: Int32Array
  readonly historyLaneB: Int32Array
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

  const { users, userSlot, slotOfInput } = indexUsers(state.users)
  const { laneA: userA, laneB: userB } = userSlot
  const userFlags = new Uint8Array(users.length)
  users.forEach((u, i) => {
    userFlags[i] =
      (u.systemRole === 'guest' ? UserFlag.Guest : 0) |
      (u.systemRole === 'admin' ? UserFlag.SystemAdmin : 0) |
      (u.isBot === true ? UserFlag.Bot : 0) |
      (u.deactivated === true ? UserFlag.Deactivated : 0)
  })
  state.users.forEach((u, n) => {
    const i = slotOfInput[n] as number
    target
      .begin(HashTag.User)
      .mix(userA[i] as number, userB[i] as number)
      .str(u.username)
      .str(u.email)
      .str(u.authData)
      .str(u.systemRole)
      .flags(u.isBot, u.deactivated)
      .end()
  })

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
  for (const t of state.teams) {
    target.begin(HashTag.Team).str(t.id).str(t.name).flags(t.groupConstrained, t.deleted).end()
    // Config, not a Mattermost row: in the state fingerprint only, and only when set, so that
    // states without it keep the fingerprints they had.
    if (t.managed === true || t.managedBy !== undefined)
      rest.begin(HashTag.TeamConfig).str(t.id).flags(t.managed).str(t.managedBy).end()
  }
  const channels = [...byKey(state.channels, (c) => c.id).values()]
  for (const c of state.channels) {
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

  const syncables: SyncableSlot[] = []
  const teamSlots = new Map<string, number>()
  const channelSlots = new Map<string, number>()
  const slot = (
    ref: SyncableRef,
    x: Team | Channel,
    teamSlot: number,
    live: boolean,
    channel?: Channel,
  ) => {
    syncables.push({
      ref,
      name: x.name,
      groupConstrained: x.groupConstrained,
      constrained: isConstrained(x),
      managed: x.managed === true,
      constraint: constraintLabel(x),
      defaultJoin: channel !== undefined && live && joinsByDefault(channel),
      teamSlot,
      live,
      links: [],
      rowStart: 0,
      rowEnd: 0,
      activeRows: 0,
      historyStart: 0,
      historyEnd: 0,
    })
  }
  for (const t of teams) {
    teamSlots.set(t.id, syncables.length)
    slot({ kind: 'team', id: t.id }, t, syncables.length, t.deleted !== true)
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
    slot({ kind: 'channel', id: c.id }, c, ts, live, c)
    if (live) (channelsOfTeam[ts] as number[]).push(s)
  }
  const ids = new IdHashes(userA, userB, syncables)

  const seen = new Int32Array(users.length).fill(-1)
  const memberSlots = readGroupMembers(groups, userSlot, ids, rest, seen)

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
  // (Sorting allocates: lists of one are left alone.)
  for (const x of syncables)
    if (x.links.length > 1) x.links.sort((a, b) => compareIds(a.group.id, b.group.id))
  for (const list of channelsOfTeam)
    if (list.length > 1)
      list.sort((a, b) =>
        compareIds((syncables[a] as SyncableSlot).ref.id, (syncables[b] as SyncableSlot).ref.id),
      )

  const { teamMembers, channelMembers } = state
  const teamRowCount = teamMembers.length
  const rows = new RowLayout(teamRowCount + channelMembers.length, syncables.length)
  readTeamRows(teamMembers, teamSlots, userSlot, ids, target, rows)
  readChannelRows(channelMembers, channelSlots, userSlot, ids, target, rows, teamRowCount)
  const teamSlotOf = lastIdLookup(teamSlots)
  const channelSlotOf = lastIdLookup(channelSlots)
  const laidOut = rows.finish(teamRowCount, (n) =>
    n < teamRowCount
      ? teamSlotOf((teamMembers[n] as TeamMember).teamId)
      : channelSlotOf((channelMembers[n - teamRowCount] as ChannelMember).channelId),
  )
  const { input: rowInput, user: rowUser } = laidOut
  syncables.forEach((x, s) => {
    x.rowStart = laidOut.start[s] as number
    x.rowEnd = laidOut.end[s] as number
  })
  const rowOf = (s: number, p: number): TeamMember | ChannelMember =>
    (s < teams.length ? teamMembers : channelMembers)[rowInput[p] as number] as
      TeamMember | ChannelMember
  mergeDuplicateRows(syncables, users.length, rowInput, rowUser, rowOf)
  syncables.forEach((x, s) => {
    if (s >= teams.length) x.activeRows = x.rowEnd - x.rowStart
    else
      for (let p = x.rowStart; p < x.rowEnd; p++)
        if ((rowOf(s, p) as TeamMember).deleted !== true) x.activeRows++
  })

  // History is a set of (channel, user) pairs: Mattermost keeps a row per join, we keep presence.
  // Its rows are hashed by user id text, not resolved through the user map (see HistoryTable).
  const { channelHistory } = state
  const historyLaneA = new Int32Array(channelHistory.length)
  const historyLaneB = new Int32Array(channelHistory.length)
  const history = new RowLayout(channelHistory.length, syncables.length, false)
  readHistory(channelHistory, channelSlots, ids, target, history, historyLaneA, historyLaneB)
  const historySlotOf = lastIdLookup(channelSlots)
  const historyLaidOut = history.finish(0, (n) =>
    historySlotOf((channelHistory[n] as ChannelHistory).channelId),
  )
  const historyRow = historyLaidOut.input
  const table = new HistoryTable(channelHistory, historyLaneA, historyLaneB)
  syncables.forEach((x, s) => {
    // Compacted in place: repeats of a user id dropped.
    let w = historyLaidOut.start[s] as number
    x.historyStart = w
    const end = historyLaidOut.end[s] as number
    table.reset(end - w)
    for (let p = w; p < end; p++) {
      const i = historyRow[p] as number
      if (!table.add(i)) continue
      historyRow[w++] = i
      ids
        .syncable(target.begin(HashTag.History), s, '')
        .mix(historyLaneA[i] as number, historyLaneB[i] as number)
        .end()
    }
    x.historyEnd = w
  })

  return {
    users,
    userSlot,
    userFlags,
    groups,
    syncables,
    teamCount: teams.length,
    syncableSlot: { team: teamSlots, channel: channelSlots },
    channelsOfTeam,
    teamMembers,
    channelMembers,
    rowInput,
    rowUser,
    channelHistory,
    historyRow,
    historyLaneA,
    historyLaneB,
    warnings,
    liveLinkCount,
    targetHash: target,
    groupHash: rest,
  }
}

/** Users by slot, without repeats (two rows for one id are merged by `pick`). */
function indexUsers(input: readonly User[]): {
  users: User[]
  userSlot: IdTable
  slotOfInput: Int32Array
} {
  const userSlot = new IdTable(input.length)
  const slotOfInput = new Int32Array(input.length)
  const users: User[] = []
  input.forEach((u, n) => {
    const known = userSlot.get(u.id)
    if (known < 0) {
      slotOfInput[n] = userSlot.insert(u.id)
      users.push(u)
    } else {
      slotOfInput[n] = known
      users[known] = pick(users[known] as User, u)
    }
  })
  return { users, userSlot, slotOfInput }
}

/**
 * Hashes of user and syncable ids, computed once per entity: a record names an entity by slot
 * when the state has it, else by its id text (the same hash either way).
 */
class IdHashes {
  readonly #syncA: Int32Array
  readonly #syncB: Int32Array

  constructor(
    readonly userA: Int32Array,
    readonly userB: Int32Array,
    syncables: readonly SyncableSlot[],
  ) {
    this.#syncA = new Int32Array(syncables.length)
    this.#syncB = new Int32Array(syncables.length)
    syncables.forEach((x, i) => {
      hashInto(x.ref.id, this.#syncA, this.#syncB, i)
    })
  }

  user(h: MultisetHash, u: number, id: string): MultisetHash {
    return u >= 0 ? h.mix(this.userA[u] as number, this.userB[u] as number) : h.str(id)
  }

  syncable(h: MultisetHash, s: number, id: string): MultisetHash {
    return s >= 0 ? h.mix(this.#syncA[s] as number, this.#syncB[s] as number) : h.str(id)
  }
}

// The passes over the big arrays are functions of their own, with plain loops: V8 optimises
// (and inlines into) each one, where one function of all passes outgrew its inlining budget.

/** Group members as user slots, duplicates dropped; members who are not users are only hashed. */
function readGroupMembers(
  groups: ReadonlyMap<string, Group>,
  userSlot: IdTable,
  ids: IdHashes,
  h: MultisetHash,
  seen: Int32Array,
): Map<string, Int32Array> {
  const memberSlots = new Map<string, Int32Array>()
  const laneA = new Int32Array(1)
  const laneB = new Int32Array(1)
  const scratch = new Int32Array(seen.length)
  let stamp = 0
  for (const group of groups.values()) {
    hashInto(group.id, laneA, laneB, 0)
    const ga = laneA[0] as number
    const gb = laneB[0] as number
    const memberIds = group.memberIds
    let n = 0
    let strangers: Set<string> | undefined
    for (let i = 0; i < memberIds.length; i++) {
      const id = memberIds[i] as string
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

function readTeamRows(
  rows: readonly TeamMember[],
  slots: ReadonlyMap<string, number>,
  userSlot: IdTable,
  ids: IdHashes,
  h: MultisetHash,
  out: RowLayout,
): void {
  const slotOf = lastIdLookup(slots)
  for (let i = 0; i < rows.length; i++) {
    const m = rows[i] as TeamMember
    const s = slotOf(m.teamId)
    const u = userSlot.get(m.userId)
    ids
      .user(ids.syncable(h.begin(HashTag.TeamMember), s, m.teamId), u, m.userId)
      .flags(m.schemeAdmin, m.schemeGuest, m.deleted)
      .end()
    out.note(i, s, u)
  }
}

function readChannelRows(
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
    const m = rows[i] as ChannelMember
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
 * de-duplicated); rows of unknown channels are hashed here, once per (channel, user) text pair.
 */
function readHistory(
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
    const row = rows[i] as ChannelHistory
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

/** A syncable-id look-up that remembers the last id: rows mostly come grouped by syncable. */
function lastIdLookup(slots: ReadonlyMap<string, number>): (id: string) => number {
  let lastId: string | undefined
  let last = -1
  return (id) => {
    if (id !== lastId) {
      lastId = id
      last = slots.get(id) ?? -1
    }
    return last
  }
}

/**
 * Lays rows out by syncable slot: `note` each input row with its slot (-1: unknown syncable,
 * dropped) and user slot, then `finish` gives each slot a range of positions. Rows that already
 * come grouped by syncable (adapters read them so) keep their input positions; otherwise a
 * counting sort moves them. Typed arrays only, and as few as possible: their memory counts as
 * external to V8, and tens of MB more of it start a full collection of the whole heap.
 */
class RowLayout {
  /** User slot per input row while noting (empty when the layout has no users). */
  readonly #user: Int32Array
  readonly #rows: number
  readonly #count: Int32Array
  /** Input position of each slot's first row, or -1. */
  readonly #first: Int32Array
  #last = -2
  #grouped = true

  constructor(rows: number, syncables: number, withUsers = true) {
    this.#rows = rows
    this.#user = new Int32Array(withUsers ? rows : 0)
    this.#count = new Int32Array(syncables)
    this.#first = new Int32Array(syncables).fill(-1)
  }

  note(n: number, s: number, u: number): void {
    if (n < this.#user.length) this.#user[n] = u
    if (s !== this.#last) {
      this.#last = s
      // A slot seen again after another one: its rows are not one run.
      if (s >= 0) {
        if ((this.#first[s] as number) >= 0) this.#grouped = false
        else this.#first[s] = n
      }
    }
    if (s >= 0) this.#count[s] = (this.#count[s] as number) + 1
  }

  /**
   * Input positions below `split` are rows of the first array, the rest of the second: `input`
   * holds each row's index in its own array. `slotOf` gives a row's slot again, needed only when
   * the rows were not grouped.
   */
  finish(
    split: number,
    slotOf: (n: number) => number,
  ): { input: Int32Array; user: Int32Array; start: Int32Array; end: Int32Array } {
    const count = this.#count
    const start = new Int32Array(count.length)
    const end = new Int32Array(count.length)
    const rows = this.#rows
    if (this.#grouped) {
      for (let s = 0; s < count.length; s++) {
        const first = this.#first[s] as number
        start[s] = first < 0 ? 0 : first
        end[s] = (start[s] as number) + (count[s] as number)
      }
      const input = new Int32Array(rows)
      for (let n = 0; n < rows; n++) input[n] = n < split ? n : n - split
      return { input, user: this.#user, start, end }
    }
    let total = 0
    for (let s = 0; s < count.length; s++) {
      start[s] = total
      total += count[s] as number
      end[s] = start[s] as number
    }
    const input = new Int32Array(total)
    const user = new Int32Array(this.#user.length === 0 ? 0 : total)
    for (let n = 0; n < rows; n++) {
      const s = slotOf(n)
      if (s < 0) continue
      const p = end[s] as number
      end[s] = p + 1
      input[p] = n < split ? n : n - split
      if (user.length > 0) user[p] = this.#user[n] as number
    }
    return { input, user, start, end }
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Two rows for one (syncable, user) are rare: found with one stamp array, merged by `pick` (which
 * returns one of the two rows, so a merged row is still an input row), and the range compacted.
 */
function mergeDuplicateRows(
  syncables: SyncableSlot[],
  userCount: number,
  rowInput: Int32Array,
  rowUser: Int32Array,
  rowOf: (s: number, p: number) => TeamMember | ChannelMember,
): void {
  const at = new Int32Array(userCount).fill(-1)
  const owner = new Int32Array(userCount).fill(-1)
  syncables.forEach((target, n) => {
    let unknownIds: Map<string, number> | undefined
    let w = target.rowStart
    for (let p = target.rowStart; p < target.rowEnd; p++) {
      const u = rowUser[p] as number
      let first: number | undefined
      if (u >= 0) {
        if (owner[u] === n) first = at[u]
        else {
          owner[u] = n
          at[u] = w
        }
      } else {
        const id = rowOf(n, p).userId
        unknownIds ??= new Map()
        first = unknownIds.get(id)
        if (first === undefined) unknownIds.set(id, w)
      }
      if (first === undefined) {
        rowInput[w] = rowInput[p] as number
        rowUser[w] = u
        w++
        continue
      }
      const kept = pick(rowOf(n, first), rowOf(n, p))
      if (kept !== rowOf(n, first)) rowInput[first] = rowInput[p] as number
    }
    target.rowEnd = w
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
export function pick<T extends object>(a: T, b: T): T {
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
