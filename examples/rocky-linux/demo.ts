import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { err, ok, type Result } from 'neverthrow'
import {
  applyContextOf,
  explain,
  formatPlan,
  readPlanFile,
  runSync,
  writePlanFile,
  type ApplyReport,
  type SyncPlan,
  type SyncState,
} from '@grouproles/core'
import { syncPorts } from '../shared/sync-ports.js'
import { openDirectory } from '../shared/open-directory.js'
import { parseConfigText, readConfigFile } from '../shared/parse-config.js'
import { openTarget } from '../shared/open-target.js'
import { mmId } from './mattermost-seed.js'
import { openRestDemo } from './rest-target.js'

const here = fileURLToPath(new URL('.', import.meta.url))
/** The example's config file and LDIF export, the defaults of the demo and the service. */
export const exampleConfigPath: string = join(here, 'config.json')
export const exampleLdifPath: string = join(here, 'directory.ldif')
/** The REST demo's config: the example's, with its two teams managed (Team Edition has no groups). */
export const exampleRestConfigPath: string = join(here, 'config.rest.json')

export type DemoError =
  | { readonly kind: 'config'; readonly message: string }
  | { readonly kind: 'sync'; readonly message: string; readonly cause: unknown }
  | { readonly kind: 'stalePlan'; readonly message: string; readonly cause: unknown }

/** What the demo did, for its test and for callers that print their own report. */
export interface DemoSummary {
  readonly sources: { readonly directory: string; readonly mattermost: string }
  readonly plan: SyncPlan
  readonly planFile: string
  readonly applied?: ApplyReport
  readonly replanned: number
  readonly explanation: readonly string[]
  /** Why erin, who manages mm_rl_infrastructure (memberManager), is admin of ~infrastructure. */
  readonly managerExplanation: readonly string[]
}

export interface DemoOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly log: (line: string) => void
  /** Apply the plan. Default: true on the embedded database, false on a real one (dry run). */
  readonly apply?: boolean
  /** A config file (`--config`); else `GROUPROLES_CONFIG`; else the example's `config.json`. */
  readonly configPath?: string
  /** An LDIF export (`--ldif`) used when LDAP_URL is not set; else the example's `directory.ldif`. */
  readonly ldifPath?: string
  readonly configText?: string
  readonly ldifText?: string
  /**
   * `rest`: the in-process fake Mattermost (Team Edition) through the REST API, with a PGlite
   * membership store, and `config.rest.json` unless a config is given. Default: from the environment
   * (REST, DATABASE_URL, else the embedded database).
   */
  readonly target?: 'rest'
  /** The REST demo's store folder (default: a fresh temporary one). */
  readonly storeDir?: string
}

/**
 * The Rocky Linux example end to end: directory (LDIF, or LDAP when LDAP_URL is set) and Mattermost
 * (an in-process PGlite seeded with `mattermostSeed`, or DATABASE_URL, or the REST API) are read in
 * parallel, planned, written to a plan file, applied from that file, re-planned, and one admin role
 * is explained.
 */
export async function runDemo(options: DemoOptions): Promise<Result<DemoSummary, DemoError>> {
  const { env, log } = options
  const configPath = options.configPath ?? env['GROUPROLES_CONFIG']
  const config =
    options.configText !== undefined
      ? parseConfigText(options.configText)
      : readConfigFile(
          configPath ?? (options.target === 'rest' ? exampleRestConfigPath : exampleConfigPath),
        )
  if (config.isErr()) return err({ kind: 'config', message: config.error.message })
  const { matchBy, rules, manage, policy } = config.value

  const directory = openDirectory(
    config.value.ldap,
    env,
    options.ldifText !== undefined
      ? { text: options.ldifText, name: 'LDIF text' }
      : { path: options.ldifPath ?? exampleLdifPath },
  )
  if (directory.isErr()) return err({ kind: 'config', message: directory.error.message })

  const opened =
    options.target === 'rest'
      ? await openRestDemo(options.storeDir !== undefined ? { storeDir: options.storeDir } : {})
      : await openTarget(env, 'fallback')
  if (opened.isErr())
    return err({ kind: 'sync', message: opened.error.message, cause: opened.error })
  const target = opened.value
  const wantApply = options.apply ?? target.embedded
  const sources = {
    directory: directory.value.description,
    mattermost: target.description,
  }

  try {
    const ports = syncPorts({
      directory: directory.value.input,
      target: target.input,
      matchBy,
      rules,
      manage,
    })

    log(`Directory: ${sources.directory}`)
    log(`Mattermost: ${sources.mattermost}`)
    for (const w of target.warnings ?? []) log(`warning: ${w}`)
    const dry = await runSync(ports, policy, { apply: false })
    if (dry.isErr())
      return err({ kind: 'sync', message: dry.error.message, cause: dry.error.cause })
    const { plan, state } = dry.value
    const names = Object.fromEntries<string>([
      ...state.users.map((u): [string, string] => [u.id, u.username]),
      ...state.teams.map((t): [string, string] => [t.id, t.name]),
      ...state.channels.map((c): [string, string] => [c.id, c.name]),
    ])
    log('')
    log(formatPlan(plan, names).trimEnd())
    for (const w of dry.value.warnings.slice(0, dry.value.warnings.length - plan.warnings.length))
      log(`  - ${w.message}`)

    // A reviewed plan is applied exactly as written: through the file, refused when stale.
    const planFile = join(mkdtempSync(join(tmpdir(), 'grouproles-demo-')), 'plan.json')
    writeFileSync(planFile, writePlanFile(plan, { state }))
    log('')
    log(`Plan written to ${planFile}`)

    let applied: ApplyReport | undefined
    let latest: SyncState = state
    let replanned = plan.commands.length
    if (wantApply) {
      const file = readPlanFile(readFileSync(planFile, 'utf8'))
      if (file.isErr()) return err({ kind: 'sync', message: file.error.message, cause: file.error })
      // The target admits each command against what it re-reads, with the directory's groups and
      // links and the config's managed syncables (this run's state): never the file's.
      const result = await ports.target.applyPlan(
        file.value.plan,
        applyContextOf(state, file.value.plan.policy),
      )
      if (result.isErr()) {
        const cause = result.error
        return err({
          kind: cause.kind === 'stalePlan' ? 'stalePlan' : 'sync',
          message: cause.message,
          cause,
        })
      }
      applied = result.value
      const done = Object.entries(result.value.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
      log(`Applied from the plan file: ${done.join(', ') || 'nothing'}`)
      const again = await runSync(ports, policy, { apply: false })
      if (again.isErr())
        return err({ kind: 'sync', message: again.error.message, cause: again.error.cause })
      replanned = again.value.plan.commands.length
      latest = again.value.state
      log(`Re-planned: ${replanned} changes${replanned === 0 ? ' (converged)' : ''}`)
    } else log('Dry run: nothing applied (pass --apply to apply)')

    // Explained on the latest state read (after the apply, when there was one).
    const bob = latest.users.find((u) => u.username === 'bob')
    const infrastructure = latest.channels.find((c) => c.name === 'infrastructure')
    let explanation: readonly string[] = []
    if (bob !== undefined && infrastructure !== undefined) {
      explanation = explain(
        latest,
        { userId: bob.id, syncable: { kind: 'channel', id: infrastructure.id } },
        policy,
      ).lines
      log('')
      log('Why is bob an admin of ~infrastructure?')
      for (const line of explanation) log(line)
    }
    // erin is no member: she manages the group, and the rule's managers: 'admin' makes her admin.
    const erin = latest.users.find((u) => u.username === 'erin')
    let managerExplanation: readonly string[] = []
    if (erin !== undefined && infrastructure !== undefined) {
      managerExplanation = explain(
        latest,
        { userId: erin.id, syncable: { kind: 'channel', id: infrastructure.id } },
        policy,
      ).lines
      log('')
      log('Why is erin an admin of ~infrastructure?')
      for (const line of managerExplanation) log(line)
    }
    return ok({
      sources,
      plan,
      planFile,
      ...(applied !== undefined ? { applied } : {}),
      replanned,
      explanation,
      managerExplanation,
    })
  } finally {
    await target.close()
  }
}

export { mmId }
