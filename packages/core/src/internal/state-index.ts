import type {
  ChannelHistory,
  ChannelMember,
  Group,
  GroupLink,
  SyncableRef,
  SyncState,
  TeamMember,
  User,
} from '../model.js'
import type { SyncWarning } from '../sync-command.js'
import { HistoryTable } from './history-table.js'
import type { IdTable } from './id-table.js'
import { intAt, itemAt } from './int-at.js'
import { byKey, mergeDuplicateRows, uniqueUsers } from './merge-duplicates.js'
import { MultisetHash } from './multiset-hash.js'
import { lastIdLookup, RowLayout } from './row-layout.js'
import {
  hashChannels,
  hashGroups,
  hashHistoryRow,
  hashLinks,
  hashTeams,
  hashUsers,
  IdHashes,
  readChannelRows,
  readGroupMembers,
  readHistory,
  readTeamRows,
} from './state-hash.js'
import { attachLiveLinks, sortByIds, syncableSlots, type Slots } from './syncable-slots.js'

// Older import paths of helpers that moved out of this file.
export { canonical, pick } from './merge-duplicates.js'
export { unknownReference as unknown } from './warnings.js'

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

  const { users, userSlot, slotOfInput } = uniqueUsers(state.users)
  hashUsers(target, state.users, slotOfInput, userSlot)
  const groups = byKey(state.groups, (g) => g.id)
  hashGroups(rest, state.groups)
  hashTeams(target, rest, state.teams)
  hashChannels(target, rest, state.channels)
  hashLinks(rest, state.links)

  const slots = syncableSlots(
    [...byKey(state.teams, (t) => t.id).values()],
    [...byKey(state.channels, (c) => c.id).values()],
  )
  const { syncables, teamCount } = slots
  const ids = new IdHashes(
    userSlot.laneA,
    userSlot.laneB,
    syncables.map((x) => x.ref.id),
  )
  const memberSlots = readGroupMembers(groups, userSlot, ids, rest)
  const liveLinkCount = attachLiveLinks(state.links, groups, memberSlots, slots, warnings)
  sortByIds(slots)

  const { teamMembers, channelMembers } = state
  const { rowInput, rowUser } = layoutMemberships(state, slots, userSlot, ids, target)
  const history = layoutHistory(state.channelHistory, slots, ids, target)

  return {
    users,
    userSlot,
    userFlags: userFlagsOf(users),
    groups,
    syncables,
    teamCount,
    syncableSlot: { team: slots.teamSlots, channel: slots.channelSlots },
    channelsOfTeam: slots.channelsOfTeam,
    teamMembers,
    channelMembers,
    rowInput,
    rowUser,
    channelHistory: state.channelHistory,
    historyRow: history.row,
    historyLaneA: history.laneA,
    historyLaneB: history.laneB,
    warnings,
    liveLinkCount,
    targetHash: target,
    groupHash: rest,
  }
}

function userFlagsOf(users: readonly User[]): Uint8Array {
  const flags = new Uint8Array(users.length)
  users.forEach((u, i) => {
    flags[i] =
      (u.systemRole === 'guest' ? UserFlag.Guest : 0) |
      (u.systemRole === 'admin' ? UserFlag.SystemAdmin : 0) |
      (u.isBot === true ? UserFlag.Bot : 0) |
      (u.deactivated === true ? UserFlag.Deactivated : 0)
  })
  return flags
}

/** Team and channel rows laid out by slot (one per user), each slot's range and active count. */
function layoutMemberships(
  state: Pick<SyncState, 'teamMembers' | 'channelMembers'>,
  slots: Slots,
  userSlot: IdTable,
  ids: IdHashes,
  target: MultisetHash,
): { rowInput: Int32Array; rowUser: Int32Array } {
  const { teamMembers, channelMembers } = state
  const { syncables, teamCount, teamSlots, channelSlots } = slots
  const teamRowCount = teamMembers.length
  const rows = new RowLayout(teamRowCount + channelMembers.length, syncables.length)
  readTeamRows(teamMembers, teamSlots, userSlot, ids, target, rows)
  readChannelRows(channelMembers, channelSlots, userSlot, ids, target, rows, teamRowCount)
  const teamSlotOf = lastIdLookup(teamSlots)
  const channelSlotOf = lastIdLookup(channelSlots)
  const laidOut = rows.finish(teamRowCount, (n) =>
    n < teamRowCount
      ? teamSlotOf(itemAt(teamMembers, n).teamId)
      : channelSlotOf(itemAt(channelMembers, n - teamRowCount).channelId),
  )
  const { input: rowInput, user: rowUser } = laidOut
  syncables.forEach((x, s) => {
    x.rowStart = intAt(laidOut.start, s)
    x.rowEnd = intAt(laidOut.end, s)
  })
  const rowOf = (s: number, p: number): TeamMember | ChannelMember =>
    s < teamCount
      ? itemAt(teamMembers, intAt(rowInput, p))
      : itemAt(channelMembers, intAt(rowInput, p))
  mergeDuplicateRows(syncables, userSlot.size, rowInput, rowUser, rowOf)
  syncables.forEach((x, s) => {
    if (s >= teamCount) x.activeRows = x.rowEnd - x.rowStart
    else
      for (let p = x.rowStart; p < x.rowEnd; p++) {
        const row = teamMembers[rowInput[p] ?? -1]
        if (row !== undefined && row.deleted !== true) x.activeRows++
      }
  })
  return { rowInput, rowUser }
}

/**
 * History rows laid out by channel slot, one per (channel, user id): a set of pairs, where
 * Mattermost keeps a row per join. Rows are keyed by user id text, not resolved through the user
 * map (see HistoryTable).
 */
function layoutHistory(
  channelHistory: readonly ChannelHistory[],
  slots: Slots,
  ids: IdHashes,
  target: MultisetHash,
): { row: Int32Array; laneA: Int32Array; laneB: Int32Array } {
  const laneA = new Int32Array(channelHistory.length)
  const laneB = new Int32Array(channelHistory.length)
  const history = new RowLayout(channelHistory.length, slots.syncables.length, false)
  readHistory(channelHistory, slots.channelSlots, ids, target, history, laneA, laneB)
  const slotOf = lastIdLookup(slots.channelSlots)
  const laidOut = history.finish(0, (n) => slotOf(itemAt(channelHistory, n).channelId))
  const row = laidOut.input
  const table = new HistoryTable(channelHistory, laneA, laneB)
  slots.syncables.forEach((x, s) => {
    // Compacted in place: repeats of a user id dropped.
    let w = intAt(laidOut.start, s)
    x.historyStart = w
    const end = intAt(laidOut.end, s)
    table.reset(end - w)
    for (let p = w; p < end; p++) {
      const i = intAt(row, p)
      if (!table.add(i)) continue
      row[w++] = i
      hashHistoryRow(ids, target, s, laneA, laneB, i)
    }
    x.historyEnd = w
  })
  return { row, laneA, laneB }
}

/** The slot of a syncable, or `undefined` when the state does not have it. */
export function slotOf(index: StateIndex, ref: SyncableRef): SyncableSlot | undefined {
  const s = (ref.kind === 'team' ? index.syncableSlot.team : index.syncableSlot.channel).get(ref.id)
  return s === undefined ? undefined : index.syncables[s]
}
