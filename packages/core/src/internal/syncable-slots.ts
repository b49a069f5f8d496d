import type { Channel, Group, GroupLink, SyncableRef, Team } from '../model.js'
import type { SyncWarning } from '../sync-command.js'
import {
  constraintLabel,
  isConstrained,
  isLiveChannel,
  isLiveLink,
  isLiveTeam,
  isManaged,
  joinsByDefault,
} from '../rules.js'
import { itemAt } from './int-at.js'
import { byKey } from './merge-duplicates.js'
import type { SyncableSlot } from './state-index.js'
import { unknownReference } from './warnings.js'

// The syncables of an index: numbered, live or not, with their live links (see rules.ts).

/** The syncables numbered (teams, then channels), before their links and rows are attached. */
export interface Slots {
  readonly syncables: SyncableSlot[]
  readonly teamCount: number
  readonly teamSlots: Map<string, number>
  readonly channelSlots: Map<string, number>
  readonly channelsOfTeam: number[][]
}

/** Slots for de-duplicated teams and channels; a channel is live only with its team. */
export function syncableSlots(teams: readonly Team[], channels: readonly Channel[]): Slots {
  const syncables: SyncableSlot[] = []
  const teamSlots = new Map<string, number>()
  const channelSlots = new Map<string, number>()
  const add = (
    ref: SyncableRef,
    x: Team | Channel,
    teamSlot: number,
    live: boolean,
    defaultJoin: boolean,
  ) => {
    syncables.push({
      ref,
      name: x.name,
      groupConstrained: x.groupConstrained,
      constrained: isConstrained(x),
      managed: isManaged(x),
      constraint: constraintLabel(x),
      defaultJoin,
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
    add({ kind: 'team', id: t.id }, t, syncables.length, isLiveTeam(t), false)
  }
  const channelsOfTeam: number[][] = teams.map(() => [])
  for (const c of channels) {
    const ts = teamSlots.get(c.teamId) ?? -1
    const live = isLiveChannel(c, ts >= 0 ? itemAt(teams, ts) : undefined)
    const s = syncables.length
    channelSlots.set(c.id, s)
    add({ kind: 'channel', id: c.id }, c, ts, live, live && joinsByDefault(c))
    if (live) itemAt(channelsOfTeam, ts).push(s)
  }
  return { syncables, teamCount: teams.length, teamSlots, channelSlots, channelsOfTeam }
}

/**
 * Each live link (one per syncable and group, `pick`ed among repeats) on its syncable's slot;
 * links naming a group or syncable the state does not have are warned about. The count of live
 * links.
 */
export function attachLiveLinks(
  links: readonly GroupLink[],
  groups: ReadonlyMap<string, Group>,
  memberSlots: ReadonlyMap<string, Int32Array>,
  slots: Slots,
  warnings: SyncWarning[],
): number {
  let count = 0
  for (const link of byKey(
    links,
    (l) => `${l.syncable.kind}:${l.syncable.id}:${l.groupId}`,
  ).values()) {
    const group = groups.get(link.groupId)
    // Never counts whatever it names: not worth a warning.
    if (link.deleted === true || group?.deleted === true) continue
    if (group === undefined) {
      warnings.push(
        unknownReference(
          'group',
          link.groupId,
          `link to ${link.syncable.kind} ${link.syncable.id}`,
        ),
      )
      continue
    }
    const { kind, id } = link.syncable
    const s = (kind === 'team' ? slots.teamSlots : slots.channelSlots).get(id)
    if (s === undefined) {
      warnings.push(unknownReference(kind, id, `link from group ${group.name}`))
      continue
    }
    const x = itemAt(slots.syncables, s)
    if (!isLiveLink(link, group, x.live)) continue
    x.links.push({ link, group, members: memberSlots.get(group.id) ?? new Int32Array(0) })
    count++
  }
  return count
}

/**
 * Links by group id and each team's channels by channel id, so that reasons naming "the" group
 * and the channel that pulls a user into its team do not depend on input order (planSync is
 * deterministic under permutation). Sorting allocates: lists of one are left alone.
 */
export function sortByIds({ syncables, channelsOfTeam }: Slots): void {
  for (const x of syncables)
    if (x.links.length > 1) x.links.sort((a, b) => compareIds(a.group.id, b.group.id))
  for (const list of channelsOfTeam)
    if (list.length > 1)
      list.sort((a, b) => compareIds(itemAt(syncables, a).ref.id, itemAt(syncables, b).ref.id))
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
