import { runSync, type RunSyncError, type RunSyncResult } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'
import { badInput, failure, type CliError } from './cli-error.js'
import { boolFlag, ldifPath, loadConfig, type CommandContext } from './command-context.js'
import type { GroupRolesConfig } from './config/read-config.js'
import { openGroups, type GroupsError } from './open-groups.js'
import { openTarget, type TargetError } from './open-target.js'
import { progressReporter } from './progress.js'

/** A dry run's result with what it read and the config it used. */
export interface PlannedRun {
  readonly config: GroupRolesConfig
  readonly result: RunSyncResult
  readonly sources: { readonly directory: string; readonly mattermost: string }
}

// Errors in what the caller gave (the export, the config's directory part), not in a server.
const inputErrorKinds: ReadonlySet<string> = new Set([
  'ldifSyntax',
  'incompleteExport',
  'invalidConfig',
  'unsupportedFilter',
  'emptyDirectory',
])

/** A failed run as one line: the caller's input (exit 2) or a server (exit 1). */
export function runErrorToCli(e: RunSyncError<GroupsError, TargetError>): CliError {
  const cause = e.cause.error
  if (e.cause.side === 'groups' && inputErrorKinds.has(cause.kind))
    return badInput(cause.kind, cause.message)
  const side = e.cause.side === 'groups' ? 'the directory' : 'Mattermost'
  return failure(cause.kind, `${e.kind}: ${side}: ${cause.message}`)
}

/**
 * Reads the config, opens the directory and Mattermost, and plans (a dry run). A rule or filter
 * that selects no group is an error unless `--allow-empty`.
 */
export async function planFromFlags(
  ctx: CommandContext,
  command: string,
): Promise<Result<PlannedRun, CliError>> {
  const config = loadConfig(ctx, command)
  if (config.isErr()) return err(config.error)
  const allowEmpty = boolFlag(ctx.flags, 'allow-empty')
  const ldif = ldifPath(ctx)
  const groups = await openGroups(config.value, ctx.env, {
    ...(ldif !== undefined ? { ldif } : {}),
    cwd: ctx.io.cwd,
    allowEmpty,
  })
  if (groups.isErr()) return err(groups.error)
  const target = await openTarget(ctx.env, {
    demo: boolFlag(ctx.flags, 'demo'),
    config: config.value,
  })
  if (target.isErr()) return err(target.error)
  for (const w of [...groups.value.warnings, ...(target.value.warnings ?? [])])
    ctx.io.err(`warning: ${w}`)
  const progress = progressReporter(ctx.io, ctx.json)
  try {
    const run = await runSync(
      { groups: groups.value.groups, target: target.value.target, history: target.value.history },
      config.value.policy,
      // A dry run: the history shows frozen groups and is never saved. No removal grace: a plan
      // is reviewed and applied by a person, and a plan file's apply never counts as a run.
      {
        onProgress: progress.onProgress,
        safety: { ...config.value.safety, removalGrace: { runs: 1, hours: 0 }, now: Date.now },
      },
    )
    progress.done()
    if (run.isErr()) return err(runErrorToCli(run.error))
    if (!allowEmpty) {
      const empty = run.value.warnings.find(
        (w) => w.kind === 'ruleMatchesNoGroup' || w.kind === 'unknownGroup',
      )
      if (empty !== undefined)
        return err(
          badInput(
            'ruleMatchesNoGroup',
            `${empty.message} (pass --allow-empty if that is intended)`,
          ),
        )
    }
    return ok({
      config: config.value,
      result: run.value,
      sources: { directory: groups.value.description, mattermost: target.value.description },
    })
  } finally {
    await target.value.close()
  }
}
