import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import {
  explain,
  formatPlan,
  readPlanFile,
  runSync,
  writePlanFile,
  type PlanFile,
  type SyncableRef,
} from '@grouproles/core'
import { syncPorts, type DirectoryInput } from '../shared/sync-ports.js'
import { readConfigFile } from '../shared/parse-config.js'
import { openTarget } from '../shared/open-target.js'

/** Where the CLI writes; injected so tests read what a person would see. */
export interface Io {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
}

export const usage = `grouproles <command> [options]

  plan     --config FILE [--ldif FILE] [--out plan.json]   plan a sync and write it for review
  show     PLAN.json                                       print a saved plan: per team/channel, with reasons
  apply    PLAN.json                                       print, then apply a reviewed plan exactly as written
  explain  --config FILE [--ldif FILE] --user NAME (--team NAME | --team NAME --channel NAME)

  The directory is the LDIF export given with --ldif, else the LDAP server of the config
  (LDAP_PASSWORD overrides its password). Mattermost is DATABASE_URL (its Postgres database) or
  MATTERMOST_URL + MATTERMOST_TOKEN (REST API; MATTERMOST_CHANNEL_IDS lists the channels to load),
  or --demo-db: an in-memory copy of the Rocky Linux example's Mattermost.`

/** Runs one CLI command; returns the process exit code (0 ok, 1 failure, 2 usage or config). */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: Io,
): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        ldif: { type: 'string' },
        out: { type: 'string' },
        user: { type: 'string' },
        team: { type: 'string' },
        channel: { type: 'string' },
        'demo-db': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\n\n${usage}`)
    return 2
  }
  const { values, positionals } = parsed
  const command = positionals[0]
  if (values.help === true || command === undefined) {
    io.out(usage)
    return command === undefined && values.help !== true ? 2 : 0
  }

  if (command === 'show') {
    const read = readPlan(positionals[1], io)
    if (read === undefined) return 2
    io.out(formatPlan(read.plan, read.names ?? {}).trimEnd())
    return 0
  }

  const opened = await openTarget(env, values['demo-db'] === true ? 'always' : 'never')
  if (opened.isErr()) {
    io.err(`${opened.error.message}\n\n${usage}`)
    return 2
  }
  const target = opened.value
  try {
    if (command === 'apply') {
      const read = readPlan(positionals[1], io)
      if (read === undefined) return 2
      // What is about to be applied, as it was reviewed.
      io.out(formatPlan(read.plan, read.names ?? {}).trimEnd())
      io.out('')
      const { target: applier } = syncPorts({
        directory: {
          kind: 'ldif',
          text: '',
          config: { preset: 'freeipa', url: 'ldap://unused', bindDn: '', password: '', baseDn: '' },
        },
        target: target.input,
        matchBy: 'username',
        rules: [],
      })
      const applied = await applier.applyPlan(read.plan)
      if (applied.isErr()) {
        const e = applied.error
        io.err(
          e.kind === 'stalePlan'
            ? `refused: ${e.message} (Mattermost changed since the plan was made; plan again and review)`
            : `apply failed: ${e.message}`,
        )
        return 1
      }
      const failed = applied.value.outcomes.filter((o) => o.kind === 'failed')
      io.out(
        `applied: ${applied.value.outcomes.length - failed.length} done or already, ${failed.length} failed`,
      )
      for (const f of failed)
        io.err(`  failed: ${f.command.kind} ${f.command.userId}: ${f.error.message}`)
      return failed.length > 0 ? 1 : 0
    }

    if (values.config === undefined) {
      io.err(`${command} needs --config\n\n${usage}`)
      return 2
    }
    const config = readConfigFile(values.config)
    if (config.isErr()) {
      io.err(`${values.config}: ${config.error.message}`)
      return 2
    }
    const ldap = {
      ...config.value.ldap,
      ...(env['LDAP_PASSWORD'] !== undefined ? { password: env['LDAP_PASSWORD'] } : {}),
    }
    const directory: DirectoryInput =
      values.ldif !== undefined
        ? {
            kind: 'ldif',
            text: readFileSync(values.ldif, 'utf8'),
            source: values.ldif,
            config: ldap,
          }
        : { kind: 'ldap', config: ldap }
    const ports = syncPorts({
      directory,
      target: target.input,
      matchBy: config.value.matchBy,
      rules: config.value.rules,
    })
    const run = await runSync(ports, config.value.policy)
    if (run.isErr()) {
      io.err(`${run.error.message}: ${run.error.cause.error.message}`)
      return 1
    }
    const state = run.value.state

    if (command === 'plan') {
      const names = Object.fromEntries<string>([
        ...state.users.map((u): [string, string] => [u.id, u.username]),
        ...state.teams.map((t): [string, string] => [t.id, t.name]),
        ...state.channels.map((c): [string, string] => [c.id, c.name]),
      ])
      io.out(formatPlan(run.value.plan, names).trimEnd())
      for (const w of run.value.warnings.slice(
        0,
        run.value.warnings.length - run.value.plan.warnings.length,
      ))
        io.out(`  - ${w.message}`)
      if (values.out !== undefined) {
        writeFileSync(
          values.out,
          writePlanFile(run.value.plan, { state, createdAt: new Date().toISOString() }),
        )
        io.out(`\nplan written to ${values.out}; review it, then: grouproles apply ${values.out}`)
      }
      return 0
    }
    if (command === 'explain') {
      const user = state.users.find((u) => u.username.toLowerCase() === values.user?.toLowerCase())
      const team = state.teams.find((t) => t.name === values.team)
      const channel =
        team === undefined
          ? undefined
          : state.channels.find((c) => c.teamId === team.id && c.name === values.channel)
      if (
        user === undefined ||
        team === undefined ||
        (values.channel !== undefined && channel === undefined)
      ) {
        io.err(
          `unknown ${user === undefined ? `user ${String(values.user)}` : team === undefined ? `team ${String(values.team)}` : `channel ${String(values.channel)}`}`,
        )
        return 2
      }
      const syncable: SyncableRef =
        channel !== undefined ? { kind: 'channel', id: channel.id } : { kind: 'team', id: team.id }
      for (const line of explain(state, { userId: user.id, syncable }, config.value.policy).lines)
        io.out(line)
      return 0
    }
    io.err(`unknown command ${command}\n\n${usage}`)
    return 2
  } finally {
    await target.close()
  }
}

/** Reads a plan file named on the command line; reports and returns undefined when it cannot. */
function readPlan(file: string | undefined, io: Io): PlanFile | undefined {
  if (file === undefined) {
    io.err(`the plan file is missing\n\n${usage}`)
    return undefined
  }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    io.err(`${file}: ${e instanceof Error ? e.message : String(e)}`)
    return undefined
  }
  const read = readPlanFile(text)
  if (read.isErr()) {
    io.err(`${file}: ${read.error.message}`)
    return undefined
  }
  return read.value
}
