import {
  admitForApply,
  inadmissibleCommands,
  staleRows,
  type ApplyContext,
  type RefusedCommand,
  type StaleRow,
  type SyncCommand,
  type SyncState,
} from '@grouproles/core'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { isMattermostId } from './is-mattermost-id.js'
import type { MattermostClient } from './mattermost-client.js'
import type { MattermostError } from './mattermost-error.js'
import { readTouchedState, type ReadTouchedStateOptions } from './read-touched-state.js'

/** Options of `checkTouched`. */
export interface CheckTouchedOptions {
  /** The plan's groups, links, managed syncables and policy (or a revert's run), as for `applyPlan`. */
  readonly context?: ApplyContext
  /** How the plan's state was loaded (scope, default channel names, whose groups). */
  readonly read?: Omit<ReadTouchedStateOptions, 'groupLoad'>
  /** Refuse commands whose row is not as the plan expects (`staleRows`); else admission only. */
  readonly strict: boolean
  /** Each command's position in the plan, for the errors' indexes and sentences. Default: its own. */
  readonly positions?: readonly number[]
  /**
   * How many leading commands only give context (this apply's earlier team adds, which justify a
   * default-channel join): admitted with the others, never refused or checked themselves.
   */
  readonly contextCount?: number
  /** Stale rows this apply's own earlier writes explain (the server's side effects). */
  readonly explained?: (stale: StaleRow) => boolean
}

/**
 * The touched check, as the Postgres target runs it in its transaction: reads only the rows the
 * commands touch (`readTouchedState`), admits the commands against them (`admitForApply`, the same
 * answer as on the whole state) and, when strict, refuses the commands whose membership row is no
 * longer as the plan expects (`staleRows`). Answers the state it read.
 */
export function checkTouched(
  client: MattermostClient,
  commands: readonly SyncCommand[],
  options: CheckTouchedOptions,
): ResultAsync<SyncState, MattermostError> {
  const skip = options.contextCount ?? 0
  const at = (local: number): number => options.positions?.[local] ?? local
  const checked = commands.length - skip
  const load = options.context?.groupLoad
  return readTouchedState(client, commands, {
    ...options.read,
    ...(load !== undefined ? { groupLoad: load } : {}),
  }).andThen((state) => {
    const refused = admitForApply(commands, state, options.context, { isId: isMattermostId })
      .refused.filter((r) => r.index >= skip)
      .map((r): RefusedCommand => ({ ...r, ...repositioned(r, at(r.index)) }))
    if (refused.length > 0)
      return errAsync<SyncState, MattermostError>(inadmissibleCommands(refused, checked))
    if (!options.strict) return okAsync(state)
    const stale = staleRows(commands.slice(skip), state)
      .map((s): StaleRow => ({ ...s, ...repositioned(s, at(s.index + skip)) }))
      .filter((s) => options.explained?.(s) !== true)
    if (stale.length === 0) return okAsync(state)
    const shown = stale.slice(0, 5).map((s) => s.message)
    const more = stale.length > shown.length ? `; and ${stale.length - shown.length} more` : ''
    return errAsync<SyncState, MattermostError>({
      kind: 'staleCommands',
      message: `refused: ${stale.length} of ${checked} commands no longer fit the rows they touch, nothing of them was sent: ${shown.join('; ')}${more}`,
      stale,
    })
  })
}

// Core numbers a refusal or stale row by its place in the list it was given ("#3 …"); a batch's
// errors name the command's place in the plan instead.
function repositioned(
  item: { readonly index: number; readonly message: string },
  index: number,
): { readonly index: number; readonly message: string } {
  if (index === item.index) return item
  const numbered = /^#\d+ /.test(item.message)
  return {
    index,
    message: `#${index + 1} ${numbered ? item.message.replace(/^#\d+ /, '') : item.message}`,
  }
}
