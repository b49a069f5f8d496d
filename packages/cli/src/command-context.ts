import { err, type Result } from 'neverthrow'
import { usageError, type CliError } from './cli-error.js'
import { readConfig, type GroupRolesConfig } from './config/read-config.js'
import { demoAssets } from './demo-assets.js'
import type { Io } from './io.js'

/** The parsed flags of a command (what `node:util` parseArgs gives). */
export type Flags = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>

/** What every command gets. */
export interface CommandContext {
  readonly flags: Flags
  readonly positionals: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  readonly io: Io
  readonly json: boolean
}

/** A command's outcome: an exit code, or the error that stopped it. */
export type CommandResult = Result<number, CliError>

export const stringFlag = (flags: Flags, name: string): string | undefined => {
  const v = flags[name]
  return typeof v === 'string' ? v : undefined
}
export const boolFlag = (flags: Flags, name: string): boolean => flags[name] === true

/** `--config FILE` (from the caller's directory), or with `--demo` and no `--config` the demo's. */
export function loadConfig(
  ctx: CommandContext,
  command: string,
): Result<GroupRolesConfig, CliError> {
  const path = stringFlag(ctx.flags, 'config')
  if (path !== undefined) return readConfig(path, ctx.io.cwd)
  if (boolFlag(ctx.flags, 'demo')) return readConfig(demoAssets.config, ctx.io.cwd)
  return err(usageError(`${command} needs --config FILE (or --demo)`))
}

/** `--ldif FILE`, or with `--demo` and neither `--config` nor `--ldif` the demo's export. */
export function ldifPath(ctx: CommandContext): string | undefined {
  const given = stringFlag(ctx.flags, 'ldif')
  if (given !== undefined) return given
  if (boolFlag(ctx.flags, 'demo') && stringFlag(ctx.flags, 'config') === undefined)
    return demoAssets.ldif
  return undefined
}
