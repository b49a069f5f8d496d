import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { writePlanFile } from '@grouproles/core'
import { err, ok } from 'neverthrow'
import { badInput, messageOf } from '../cli-error.js'
import {
  boolFlag,
  stringFlag,
  type CommandContext,
  type CommandResult,
} from '../command-context.js'
import { planJson, printJson } from '../json-output.js'
import { planKeyOf } from '../plan-key.js'
import { planFromFlags } from '../plan-run.js'
import { withSourceWarnings } from '../plan-file-warnings.js'
import { namesOf, renderPlan } from '../render.js'

/** `grouproles plan`: plan, print for review, optionally write the plan file. */
export async function run(ctx: CommandContext): Promise<CommandResult> {
  const key = planKeyOf(ctx.env)
  if (key.isErr()) return err(key.error)
  const planned = await planFromFlags(ctx, 'plan')
  if (planned.isErr()) return err(planned.error)
  const { result, sources } = planned.value
  const { plan, state } = result
  const sourceWarnings = result.warnings.slice(0, result.warnings.length - plan.warnings.length)
  const names = namesOf(state)
  const out = stringFlag(ctx.flags, 'out')
  if (out !== undefined) {
    try {
      writeFileSync(
        resolve(ctx.io.cwd, out),
        withSourceWarnings(
          writePlanFile(plan, {
            state,
            createdAt: new Date().toISOString(),
            ...(key.value === undefined ? {} : { signingKey: key.value }),
          }),
          sourceWarnings,
        ),
      )
    } catch (e) {
      return err(badInput('unwritableFile', `cannot write the plan file ${out}: ${messageOf(e)}`))
    }
  }
  if (ctx.json)
    ctx.io.out(
      printJson({
        kind: 'plan',
        changes: plan.commands.length > 0,
        planFile: out ?? null,
        sources,
        ...planJson(plan, names, sourceWarnings),
      }),
    )
  else {
    ctx.io.out(`Directory: ${sources.directory}`)
    ctx.io.out(`Mattermost: ${sources.mattermost}`)
    ctx.io.out('')
    for (const line of renderPlan(plan, names, sourceWarnings)) ctx.io.out(line)
    if (out !== undefined)
      ctx.io.out(`\nPlan written to ${out}; review it, then: grouproles apply ${out}`)
  }
  if (boolFlag(ctx.flags, 'detailed-exitcode')) return ok(plan.commands.length > 0 ? 2 : 0)
  return ok(0)
}
