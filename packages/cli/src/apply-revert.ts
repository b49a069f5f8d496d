import {
  admitRevert,
  escapeForTerminal,
  fingerprintTarget,
  runBeforeOf,
  type PlanFile,
  type Warning,
} from '@grouproles/core'
import { err, ok } from 'neverthrow'
import {
  applyFailure,
  applyJson,
  applySummary,
  notifyApplied,
  printApplyPreview,
  printFailures,
  type SkippedCommand,
} from './apply-report.js'
import { failure } from './cli-error.js'
import { boolFlag, loadConfig, type CommandContext, type CommandResult } from './command-context.js'
import { newestRunId, openNotifier } from './notify-run.js'
import { withRunAndState } from './read-applied-run.js'
import type { JournaledPlan } from './journaled-target.js'
import { namesOf } from './render.js'

/**
 * `grouproles apply` of a revert plan file (`revertOf`): no directory and no re-plan. The run is
 * read from the journal and each command of the file is checked against its inverse made again
 * from the live state (`admitRevert`): one no longer part of it (already undone, overtaken, edited
 * in) is stale, refusing the apply unless `--partial`. The target admits the same way in its own
 * re-read (`context.revert`), and journals the apply with the rows before it, so reverting this
 * revert restores the run.
 */
export async function applyRevert(
  ctx: CommandContext,
  name: string,
  file: PlanFile & { readonly revertOf: { readonly runId: number } },
  warnings: readonly Warning[],
): Promise<CommandResult> {
  const runId = file.revertOf.runId
  const partial = boolFlag(ctx.flags, 'partial')
  const config = loadConfig(ctx, 'apply')
  if (config.isErr()) return err(config.error)
  // Checked before anything runs, as for any apply: a notify the setup cannot post is an error.
  const notifier = await openNotifier(config.value, ctx.env)
  if (notifier.isErr()) return err(notifier.error)
  return withRunAndState(ctx, config.value, runId, async (start) => {
    const { journal, state } = start
    const applied = start.read.applied
    const names = namesOf(state)
    const commands = file.plan.commands
    const { refused } = admitRevert(commands, applied, state)
    const stale: SkippedCommand[] = refused.map((r) => ({
      index: r.index,
      command: r.command,
      cause: 'notInRevert',
      message: escapeForTerminal(r.message),
    }))
    if (stale.length > 0 && !partial) {
      for (const s of stale) ctx.io.err(`  stale: ${s.message}`)
      return err(
        failure(
          'stalePlan',
          `refused: ${stale.length} of ${commands.length} commands are no longer part of undoing run ${runId} (Mattermost changed since the revert was planned); run grouproles revert ${runId} again and review, or pass --partial to apply the ${commands.length - stale.length} that still hold`,
        ),
      )
    }
    const skip = new Set(stale.map((s) => s.index))
    const current = commands.filter((_, i) => !skip.has(i))
    if (!ctx.json) printApplyPreview(ctx.io, file, names, warnings, stale, `Revert of run ${runId}`)
    const plan: JournaledPlan = {
      commands: current,
      targetFingerprint: fingerprintTarget(state),
      // Journalled with the run: a revert of this revert puts the run's result back.
      before: runBeforeOf(state, current),
      revertOf: runId,
    }
    const runBefore = notifier.value !== undefined ? await newestRunId(journal) : undefined
    const result = await start.target.target.applyPlan(plan, {
      revert: applied,
      policy: file.plan.policy,
    })
    if (result.isErr()) {
      return err(applyFailure(result.error, `run grouproles revert ${runId} again and review`))
    }
    const outcomes = result.value.outcomes
    const summary = applySummary(outcomes)
    if (ctx.json) ctx.io.out(applyJson(name, file, partial, stale, outcomes, { revertOf: runId }))
    else {
      ctx.io.out(
        `Applied the revert of run ${runId}: ${summary.done} done, ${summary.already} already so, ${summary.failed} failed${stale.length > 0 ? `, ${stale.length} skipped as stale` : ''}`,
      )
      printFailures(ctx.io, outcomes, names)
    }
    if (notifier.value !== undefined)
      await notifyApplied(ctx.io, notifier.value, journal, runBefore, {
        dryRun: false,
        plan: { ...file.plan, commands: current },
        applied: result.value,
        safety: { frozenGroups: [], directoryGated: false, counted: false },
        gateReasons: [],
      })
    return ok(summary.failed > 0 ? 1 : 0)
  })
}
