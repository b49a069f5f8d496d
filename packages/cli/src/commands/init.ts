import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { err, ok } from 'neverthrow'
import { badInput, messageOf } from '../cli-error.js'
import { boolFlag, type CommandContext, type CommandResult } from '../command-context.js'
import { starterConfig } from '../config/starter-config.js'
import { packageRoot } from '../demo-assets.js'
import { printJson } from '../json-output.js'

/** `grouproles init [FILE]`: writes a commented starter config. */
export function run(ctx: CommandContext): Promise<CommandResult> {
  const name = ctx.positionals[0] ?? 'grouproles.json'
  const file = resolve(ctx.io.cwd, name)
  if (existsSync(file) && !boolFlag(ctx.flags, 'force'))
    return Promise.resolve(
      err(badInput('fileExists', `${name} exists already (pass --force to overwrite it)`)),
    )
  const schema = relative(dirname(file), join(packageRoot, 'schema', 'config.schema.json'))
  const schemaPath = schema.split(sep).join('/')
  try {
    writeFileSync(file, starterConfig(schemaPath.startsWith('.') ? schemaPath : `./${schemaPath}`))
  } catch (e) {
    return Promise.resolve(err(badInput('unwritableFile', `cannot write ${name}: ${messageOf(e)}`)))
  }
  if (ctx.json) ctx.io.out(printJson({ kind: 'init', file: name }))
  else
    ctx.io.out(
      `Wrote ${name}. Fill in ldap and rules, then: grouproles plan --config ${name} --ldif export.ldif`,
    )
  return Promise.resolve(ok(0))
}
