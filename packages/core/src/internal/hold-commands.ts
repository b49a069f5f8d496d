import type { SyncState } from '../model.js'
import {
  commandSyncable,
  syncCommandKinds,
  type HeldCommand,
  type HoldReason,
  type PlannedCommand,
  type SyncCommandKind,
  type SyncPlan,
} from '../sync-command.js'

const kindOrder = new Map<SyncCommandKind, number>(syncCommandKinds.map((k, i) => [k, i]))

/**
 * Moves the commands `holdOf` gives a hold for from `commands` to `held`, keeping plan order
 * (held: by command kind, then syncable id, then user id, as `planSync` sorts them) and the
 * stats in step. The plan is returned as it is when nothing moves.
 */
export function holdCommands(
  plan: SyncPlan,
  holdOf: (command: PlannedCommand) => HoldReason | undefined,
): SyncPlan {
  const commands: PlannedCommand[] = []
  const moved: HeldCommand[] = []
  for (const c of plan.commands) {
    const hold = holdOf(c)
    if (hold === undefined) commands.push(c)
    else moved.push({ ...c, hold })
  }
  if (moved.length === 0) return plan
  const held = [...plan.held, ...moved].sort(byPlanOrder)
  const counts = { ...plan.stats.commands }
  for (const c of moved) counts[c.kind]--
  return {
    ...plan,
    commands,
    held,
    stats: { ...plan.stats, commands: counts, held: held.length },
  }
}

function byPlanOrder(a: HeldCommand, b: HeldCommand): number {
  const byKind = (kindOrder.get(a.kind) ?? 0) - (kindOrder.get(b.kind) ?? 0)
  if (byKind !== 0) return byKind
  const sa = commandSyncable(a).id
  const sb = commandSyncable(b).id
  return sa < sb ? -1 : sa > sb ? 1 : a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0
}

/**
 * `channelId\0userId` of every channel row: a planned channel removal with no row undoes a default
 * join of the plan's own team add, which loses nobody a membership (no safety rule holds it).
 */
export function channelRows(state: Pick<SyncState, 'channelMembers'>): Set<string> {
  const rows = new Set<string>()
  for (const m of state.channelMembers) rows.add(`${m.channelId}\u0000${m.userId}`)
  return rows
}
