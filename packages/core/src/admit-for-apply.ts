import {
  admitCommands,
  withGroupLoad,
  type AdmitCommandsOptions,
  type ApplyContext,
  type CommandAdmission,
} from './admit-commands.js'
import type { SyncState } from './model.js'
import { admitRevert } from './revert-plan.js'
import type { SyncCommand } from './sync-command.js'

/**
 * How an applier admits a plan's commands against the target state it re-reads (groups and links
 * from `context.groupLoad` when given): `admitCommands`, or for a revert (`context.revert`, the
 * journalled run) `admitRevert` — a command is admitted only if the run's inverse against that
 * state plans it. A revert's refusals read as `unjustified` (not part of undoing the run now), and
 * an id of the wrong form is still `malformedId`.
 */
export function admitForApply<C extends SyncCommand>(
  commands: readonly C[],
  target: Omit<SyncState, 'groups' | 'links'> & Partial<Pick<SyncState, 'groups' | 'links'>>,
  context: ApplyContext = {},
  options: Pick<AdmitCommandsOptions, 'isId'> = {},
): CommandAdmission<C> {
  const state = withGroupLoad(target, context.groupLoad)
  if (context.revert === undefined)
    return admitCommands(commands, state, {
      ...options,
      ...(context.policy !== undefined ? { policy: context.policy } : {}),
    })
  const isId = options.isId ?? (() => true)
  const { refused } = admitRevert(commands, context.revert, state)
  const byIndex = new Map(refused.map((r) => [r.index, r]))
  const admission: { admitted: C[]; refused: CommandAdmission<C>['refused'][number][] } = {
    admitted: [],
    refused: [],
  }
  commands.forEach((command, index) => {
    const syncableId = 'teamId' in command ? command.teamId : command.channelId
    const malformed = !isId(syncableId) || !isId(command.userId)
    const r = byIndex.get(index)
    if (!malformed && r === undefined) {
      admission.admitted.push(command)
      return
    }
    admission.refused.push({
      index,
      command,
      reason: malformed ? 'malformedId' : 'unjustified',
      message: malformed
        ? `#${index + 1} ${command.kind}: an id is not of the target's form`
        : (r?.message ?? `#${index + 1} ${command.kind}`),
    })
  })
  return admission
}
