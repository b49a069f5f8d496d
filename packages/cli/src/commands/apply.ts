import {
  applyContextOf,
  checkPlanCommands,
  runBeforeOf,
  runSync,
  type SyncPlan,
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
} from '../apply-report.js'
import { applyRevert } from '../apply-revert.js'
import { failure } from '../cli-error.js'
import {
  boolFlag,
  ldifPath,
  loadConfig,
  type CommandContext,
  type CommandResult,
} from '../command-context.js'
import type { JournaledPlan } from '../journaled-target.js'
import { openGroups } from '../open-groups.js'
import { openTarget } from '../open-target.js'
import { newestRunId, openNotifier } from '../notify-run.js'
import { runErrorToCli } from '../plan-run.js'
import { readPlan } from '../read-plan.js'
import { namesOf } from '../render.js'

/**
 * `grouproles apply PLAN_FILE`: re-load and re-plan with the file's policy, check each command of
 * the file against the fresh plan, print the reviewed plan (names from the live state), then apply
 * the file's commands that still hold: all of them, or with `--partial` the current ones only.
 */
export async function run(ctx: CommandContext): Promise<CommandResult> {
  const name = ctx.positionals[0]
  const read = readPlan(name, ctx.io.cwd, 'apply', ctx.env)
  if (read.isErr()) return err(read.error)
  const { file, warnings } = read.value
  const allowEdited = boolFlag(ctx.flags, 'allow-edited')
  if (file.edited && !allowEdited)
    return err(
      failure(
        'editedPlan',
        file.integrity === 'edited'
          ? 'refused: the plan file was edited by hand since it was written (its digest does not match); plan again, or pass --allow-edited'
          : 'refused: the plan file has no digest, so hand edits cannot be ruled out; plan again, or pass --allow-edited',
      ),
    )
  // A revert plan file is checked against its run's inverse, not re-planned from the directory.
  if (file.revertOf !== undefined)
    return applyRevert(ctx, name ?? '', { ...file, revertOf: file.revertOf }, warnings)
  const partial = boolFlag(ctx.flags, 'partial')
  const config = loadConfig(ctx, 'apply')
  if (config.isErr()) return err(config.error)
  // Checked before anything runs: a notify the setup cannot post is a config error.
  const notifier = await openNotifier(config.value, ctx.env)
  if (notifier.isErr()) return err(notifier.error)
  const ldif = ldifPath(ctx)
  const groups = await openGroups(config.value, ctx.env, {
    ...(ldif !== undefined ? { ldif } : {}),
    cwd: ctx.io.cwd,
    allowEmpty: true,
  })
  if (groups.isErr()) return err(groups.error)
  const target = await openTarget(ctx.env, {
    demo: boolFlag(ctx.flags, 'demo'),
    config: config.value,
  })
  if (target.isErr()) return err(target.error)
  for (const w of [...groups.value.warnings, ...(target.value.warnings ?? [])])
    ctx.io.err(`warning: ${w}`)
  try {
    // Re-load and re-plan with the file's policy: the file's commands are checked one by one.
    const fresh = await runSync(
      { groups: groups.value.groups, target: target.value.target },
      file.plan.policy,
    )
    if (fresh.isErr()) return err(runErrorToCli(fresh.error))
    const { state, plan: freshPlan } = fresh.value
    const runBefore =
      notifier.value !== undefined ? await newestRunId(target.value.lockClient) : undefined
    const names = namesOf(state)
    const check = checkPlanCommands(file.plan.commands, freshPlan, { state, names })
    if (check.stale.length > 0 && !partial) {
      for (const s of check.stale) ctx.io.err(`  stale: ${s.message}`)
      return err(
        failure(
          'stalePlan',
          `refused: ${check.stale.length} of ${file.plan.commands.length} commands no longer hold (Mattermost or the directory changed since the plan was made); plan again and review, or pass --partial to apply the ${check.current.length} that still hold`,
        ),
      )
    }
    const skipped: SkippedCommand[] = check.stale.map((s) => ({
      index: s.index,
      command: s.command,
      cause: s.cause.kind,
      message: s.message,
    }))
    if (!ctx.json) printApplyPreview(ctx.io, file, names, warnings, skipped)
    // A change between this re-plan and the apply to a row a command touches still refuses (both
    // targets re-read only those rows, the REST one just before each batch: no second full read).
    // The target admits each command against what it re-reads with the directory's groups and
    // links and the config's managed syncables (the fresh state's), never the file's.
    // The rows before the run go to the journal, for `revert` (a removed member's role).
    const toApply: SyncPlan & JournaledPlan = {
      ...freshPlan,
      commands: check.current,
      before: runBeforeOf(state, check.current),
    }
    const applied = await target.value.target.applyPlan(
      toApply,
      applyContextOf(state, freshPlan.policy),
    )
    if (applied.isErr()) {
      return err(applyFailure(applied.error, 'plan again and review'))
    }
    const outcomes = applied.value.outcomes
    const summary = applySummary(outcomes)
    if (ctx.json) ctx.io.out(applyJson(name, file, partial, skipped, outcomes))
    else {
      ctx.io.out(
        `Applied: ${summary.done} done, ${summary.already} already so, ${summary.failed} failed${skipped.length > 0 ? `, ${skipped.length} skipped as stale` : ''}`,
      )
      printFailures(ctx.io, outcomes, names)
    }
    if (notifier.value !== undefined)
      await notifyApplied(ctx.io, notifier.value, target.value.lockClient, runBefore, {
        dryRun: false,
        plan: toApply,
        applied: applied.value,
        safety: fresh.value.safety,
        gateReasons: [],
      })
    return ok(summary.failed > 0 ? 1 : 0)
  } finally {
    await target.value.close()
  }
}
