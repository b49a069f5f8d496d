import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { redactUrls } from '@grouproles/core'
import { exitCodeOf, messageOf, usageError, type CliError } from './cli-error.js'
import type { CommandContext, CommandResult } from './command-context.js'
import { packageRoot } from './demo-assets.js'
import type { Io } from './io.js'
import { commandNames, commandUsage, globalUsage, type CommandName } from './usage.js'

type Options = NonNullable<ParseArgsConfig['options']>

const common: Options = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}
const targetFlags: Options = { demo: { type: 'boolean' } }
const directoryFlags: Options = { config: { type: 'string' }, ldif: { type: 'string' } }

/** Each command's flags, and its module, loaded only when it runs (so `--help` stays fast). */
const commands: Readonly<
  Record<
    CommandName,
    {
      readonly options: Options
      readonly positionals: number
      readonly load: () => Promise<{ run: (ctx: CommandContext) => Promise<CommandResult> }>
    }
  >
> = {
  plan: {
    options: {
      ...common,
      ...targetFlags,
      ...directoryFlags,
      out: { type: 'string' },
      'allow-empty': { type: 'boolean' },
      'detailed-exitcode': { type: 'boolean' },
    },
    positionals: 0,
    load: () => import('./commands/plan.js'),
  },
  show: { options: common, positionals: 1, load: () => import('./commands/show.js') },
  apply: {
    options: {
      ...common,
      ...targetFlags,
      ...directoryFlags,
      'allow-edited': { type: 'boolean' },
      partial: { type: 'boolean' },
    },
    positionals: 1,
    load: () => import('./commands/apply.js'),
  },
  revert: {
    options: {
      ...common,
      ...targetFlags,
      config: { type: 'string' },
      out: { type: 'string' },
      'detailed-exitcode': { type: 'boolean' },
    },
    positionals: 1,
    load: () => import('./commands/revert.js'),
  },
  explain: {
    options: {
      ...common,
      ...targetFlags,
      ...directoryFlags,
      user: { type: 'string' },
      team: { type: 'string' },
      channel: { type: 'string' },
      'allow-empty': { type: 'boolean' },
    },
    positionals: 0,
    load: () => import('./commands/explain.js'),
  },
  serve: {
    options: {
      ...common,
      ...targetFlags,
      ...directoryFlags,
      apply: { type: 'boolean' },
      interval: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-empty': { type: 'boolean' },
    },
    positionals: 0,
    load: () => import('./commands/serve.js'),
  },
  init: {
    options: { ...common, force: { type: 'boolean' } },
    positionals: 1,
    load: () => import('./commands/init.js'),
  },
}

/** The package version (from its package.json). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string
  }
  return pkg.version
}

const isCommand = (name: string): name is CommandName =>
  (commandNames as readonly string[]).includes(name)

/**
 * Runs one `grouproles` command line; returns the exit code (0 ok, 1 runtime failure, 2 bad input
 * or usage; `plan` and `revert --detailed-exitcode`: 0 no changes, 2 changes pending, 1 error). Errors are one
 * line on stderr (with `--json`: a JSON document on stdout), never a stack trace.
 */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io,
): Promise<number> {
  const json = argv.includes('--json')
  const detailed = argv.includes('--detailed-exitcode')
  const report = (e: CliError): number => {
    // Last line of defence: a URL with user info in any message (a server's, a library's) is hidden.
    const error = { ...e, message: redactUrls(e.message) }
    if (json) io.out(JSON.stringify({ kind: 'error', error }, null, 2))
    else io.err(`grouproles: ${error.message}`)
    return exitCodeOf(error, detailed)
  }
  const [first, ...rest] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined
    if (topic !== undefined && isCommand(topic)) io.out(commandUsage[topic])
    else io.out(globalUsage)
    return first === undefined ? 2 : 0
  }
  if (first === '--version' || first === '-v') {
    if (json) io.out(JSON.stringify({ kind: 'version', version: version() }, null, 2))
    else io.out(version())
    return 0
  }
  if (!isCommand(first))
    return report(
      usageError(
        `unknown command "${first}" (commands: ${commandNames.join(', ')}; see grouproles --help)`,
      ),
    )
  const spec = commands[first]
  let parsed
  try {
    parsed = parseArgs({ args: rest, options: spec.options, allowPositionals: true, strict: true })
  } catch (e) {
    return report(usageError(`${first}: ${messageOf(e)} (see grouproles ${first} --help)`))
  }
  if (parsed.values['help'] === true) {
    io.out(commandUsage[first])
    return 0
  }
  if (parsed.positionals.length > spec.positionals)
    return report(
      usageError(
        `${first}: unexpected argument "${parsed.positionals[spec.positionals] ?? ''}" (see grouproles ${first} --help)`,
      ),
    )
  try {
    const { run } = await spec.load()
    const result = await run({
      flags: parsed.values,
      positionals: parsed.positionals,
      env,
      io,
      json,
    })
    return result.match((code) => code, report)
  } catch (e) {
    // A bug, not an input problem: still one line, never a stack trace.
    return report({
      kind: 'failure',
      code: 'internalError',
      message: `internal error: ${messageOf(e)}`,
    })
  }
}
