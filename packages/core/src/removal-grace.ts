import { channelRows, holdCommands } from './internal/hold-commands.js'
import type { SyncState } from './model.js'
import type { SafetyWarning, SyncPlan } from './sync-command.js'
import { pendingByKey, removalKey, type SyncHistory } from './sync-history.js'

/**
 * How long a membership must stay unjustified before it is removed: in `runs` consecutive
 * complete runs and for at least `hours` hours. `{ runs: 1, hours: 0 }` is no grace at all.
 */
export interface RemovalGrace {
  readonly runs: number
  readonly hours: number
}

/** No grace: every removal is planned at once (what `planSync` alone does). */
export const noRemovalGrace: RemovalGrace = Object.freeze({ runs: 1, hours: 0 })

const hourMs = 3_600_000

/**
 * Holds the removals of `plan` that have not yet waited out `grace`, with hold `pendingRemoval`
 * ("1 of 2 runs"). A removal is due when this run is at least its `grace.runs`-th consecutive
 * complete run finding it unjustified and it was first seen `grace.hours` hours ago or more. A
 * run that does not count (`counted: false`: it froze a group or was gated) does not advance the
 * count, so nothing becomes due in it that was not due before. With no grace (`runs: 1, hours:
 * 0`) the plan is returned as it is, in every run, as without a history. Adds, promotions and
 * demotions are never held here, nor a channel removal that undoes a default join of the plan's
 * own team add (`state` has no row for it: nobody is losing a membership they had). Pure.
 */
export function applyRemovalGrace(
  plan: SyncPlan,
  state: Pick<SyncState, 'channelMembers'>,
  history: SyncHistory,
  grace: RemovalGrace,
  now: number,
  counted: boolean,
): { readonly plan: SyncPlan; readonly warnings: readonly SafetyWarning[] } {
  checkGrace(grace)
  if (grace.runs <= 1 && grace.hours <= 0) return { plan, warnings: [] }
  const pending = pendingByKey(history)
  const rows = channelRows(state)
  const guarded = holdCommands(plan, (c) => {
    const key = removalKey(c)
    if (key === undefined) return undefined
    if (c.kind === 'removeChannelMember' && !rows.has(`${c.channelId}\u0000${c.userId}`))
      return undefined
    const prev = pending.get(key)
    const runs = (prev?.runs ?? 0) + (counted ? 1 : 0)
    const since = prev?.since ?? now
    if (runs >= grace.runs && now - since >= grace.hours * hourMs) return undefined
    return { kind: 'pendingRemoval', runs, of: grace.runs, since, hours: grace.hours }
  })
  const count = guarded.held.length - plan.held.length
  if (count === 0) return { plan, warnings: [] }
  const wait = grace.hours > 0 ? ` and ${grace.hours} h` : ''
  return {
    plan: guarded,
    warnings: [
      {
        kind: 'removalsPending',
        count,
        runs: grace.runs,
        hours: grace.hours,
        message: `${count} removal(s) pending: a membership is removed once ${grace.runs} consecutive complete runs${wait} found no linked group for it${counted ? '' : ' (this run does not count: a group is frozen or the run is gated)'}`,
      },
    ],
  }
}

/** A grace that is not whole runs >= 1 and hours >= 0 is a caller's bug (config is validated). */
export function checkGrace(grace: RemovalGrace): void {
  if (!(Number.isSafeInteger(grace.runs) && grace.runs >= 1))
    throw new RangeError(`removalGrace.runs must be a whole number >= 1, got ${grace.runs}`)
  if (!(Number.isFinite(grace.hours) && grace.hours >= 0))
    throw new RangeError(`removalGrace.hours must be a number >= 0, got ${grace.hours}`)
}
