import { err, ok } from 'neverthrow'
import { failure } from '../cli-error.js'
import {
  boolFlag,
  stringFlag,
  type CommandContext,
  type CommandResult,
} from '../command-context.js'
import { readConfig } from '../config/read-config.js'
import { printJson } from '../json-output.js'
import { openTarget } from '../open-target.js'
import { readPlan } from '../read-plan.js'
import { renderPlan } from '../render.js'

/** `grouproles apply PLAN_FILE`: print the reviewed plan, then apply exactly that. */
export async function run(ctx: CommandContext): Promise<CommandResult> {
  const name = ctx.positionals[0]
  const read = readPlan(name, ctx.io.cwd, 'apply')
  if (read.isErr()) return err(read.error)
  const configPath = stringFlag(ctx.flags, 'config')
  const config = configPath === undefined ? undefined : readConfig(configPath, ctx.io.cwd)
  if (config?.isErr() === true) return err(config.error)
  const target = await openTarget(ctx.env, {
    demo: boolFlag(ctx.flags, 'demo'),
    ...(config?.isOk() === true ? { config: config.value } : {}),
  })
  if (target.isErr()) return err(target.error)
  const { file, warnings } = read.value
  if (!ctx.json) {
    for (const line of renderPlan(file.plan, file.names ?? {}, warnings)) ctx.io.out(line)
    ctx.io.out('')
  }
  try {
    const applied = await target.value.target.applyPlan(file.plan)
    if (applied.isErr()) {
      const e = applied.error
      return err(
        failure(
          e.kind,
          e.kind === 'stalePlan'
            ? `refused: ${e.message} (Mattermost changed since the plan was made; plan again and review)`
            : `apply failed: ${e.message}`,
        ),
      )
    }
    const outcomes = applied.value.outcomes
    const count = (kind: string) => outcomes.filter((o) => o.kind === kind).length
    const summary = { done: count('done'), already: count('already'), failed: count('failed') }
    if (ctx.json)
      ctx.io.out(
        printJson({
          kind: 'apply',
          file: name,
          summary,
          outcomes: outcomes.map((o) =>
            o.kind === 'failed'
              ? {
                  kind: o.kind,
                  command: o.command,
                  error: { kind: o.error.kind, message: o.error.message },
                }
              : { kind: o.kind, command: o.command },
          ),
        }),
      )
    else {
      ctx.io.out(
        `Applied: ${summary.done} done, ${summary.already} already so, ${summary.failed} failed`,
      )
      for (const o of outcomes)
        if (o.kind === 'failed')
          ctx.io.err(
            `  failed: ${o.command.kind} ${file.names?.[o.command.userId] ?? o.command.userId}: ${o.error.message}`,
          )
    }
    return ok(summary.failed > 0 ? 1 : 0)
  } finally {
    await target.value.close()
  }
}
