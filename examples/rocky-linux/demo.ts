import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { err, ok, type Result } from 'neverthrow'
import {
  explain,
  formatPlan,
  readPlanFile,
  resolvePolicy,
  runSync,
  writePlanFile,
  type ApplyReport,
  type SyncPlan,
  type SyncPolicyInput,
  type SyncState,
} from '@grouproles/core'
import {
  parseLdapConfig,
  parseLinkRules,
  type LdapDirectoryConfig,
  type LinkRule,
  type MatchBy,
} from '@grouproles/adapter-ldap'
import { fromPglite } from '@grouproles/adapter-postgres'
import { createMattermostClient } from '@grouproles/adapter-mattermost'
import {
  describeWarning,
  syncPorts,
  type DirectoryInput,
  type TargetInput,
} from '../shared/sync-ports.js'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import { mattermostSeed, mmId } from './mattermost-seed.js'

const here = fileURLToPath(new URL('.', import.meta.url))

/** The example's config file: directory, matching, link rules and policy. */
export interface DemoConfig {
  readonly ldap: LdapDirectoryConfig
  readonly matchBy: MatchBy
  readonly rules: readonly LinkRule[]
  readonly policy: SyncPolicyInput
}

export type DemoError =
  | { readonly kind: 'config'; readonly message: string }
  | { readonly kind: 'sync'; readonly message: string; readonly cause: unknown }
  | { readonly kind: 'stalePlan'; readonly message: string; readonly cause: unknown }

/** Checks the config file; every problem is a typed error naming the field. */
export function parseDemoConfig(raw: unknown): Result<DemoConfig, DemoError> {
  const bad = (message: string) => err<DemoConfig, DemoError>({ kind: 'config', message })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return bad('config: expected a JSON object')
  const c = raw as Record<string, unknown>
  const matchBy = c['matchBy']
  if (matchBy !== 'username' && matchBy !== 'email' && matchBy !== 'authData') {
    return bad(
      `config.matchBy: expected "username", "email" or "authData", got ${JSON.stringify(matchBy)}`,
    )
  }
  const rules = parseLinkRules(c['rules'])
  if (rules.isErr()) return bad(`config.rules: ${rules.error.message}`)
  let policy: SyncPolicyInput
  try {
    policy = resolvePolicy(c['policy'] ?? {})
  } catch (e) {
    return bad(`config.policy: ${e instanceof Error ? e.message : String(e)}`)
  }
  const ldap = parseLdapConfig(c['ldap'])
  if (ldap.isErr()) return bad(`config.ldap: ${ldap.error.message}`)
  return ok({ ldap: ldap.value, matchBy, rules: rules.value, policy })
}

/** What the demo did, for its test and for callers that print their own report. */
export interface DemoSummary {
  readonly sources: { readonly directory: string; readonly mattermost: string }
  readonly plan: SyncPlan
  readonly planFile: string
  readonly applied?: ApplyReport
  readonly replanned: number
  readonly explanation: readonly string[]
}

export interface DemoOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly log: (line: string) => void
  /** Apply the plan. Default: true on the embedded database, false on a real one (dry run). */
  readonly apply?: boolean
  readonly configText?: string
  readonly ldifText?: string
}

/**
 * The Rocky Linux example end to end: directory (LDIF, or LDAP when LDAP_URL is set) and Mattermost
 * (an in-process PGlite seeded with `mattermostSeed`, or DATABASE_URL) are read in parallel, planned,
 * written to a plan file, applied from that file, re-planned, and one admin role is explained.
 */
export async function runDemo(options: DemoOptions): Promise<Result<DemoSummary, DemoError>> {
  const { env, log } = options
  const config = parseDemoConfig(
    JSON.parse(options.configText ?? readFileSync(join(here, 'config.json'), 'utf8')) as unknown,
  )
  if (config.isErr()) return err(config.error)
  const { matchBy, rules, policy } = config.value

  const ldapUrl = env['LDAP_URL']
  const ldap: LdapDirectoryConfig = {
    ...config.value.ldap,
    ...(ldapUrl !== undefined
      ? {
          url: ldapUrl,
          bindDn: env['LDAP_BIND_DN'] ?? config.value.ldap.bindDn,
          password: env['LDAP_PASSWORD'] ?? '',
        }
      : {}),
    ...(env['LDAP_BASE_DN'] !== undefined ? { baseDn: env['LDAP_BASE_DN'] } : {}),
    ...(env['LDAP_CA_FILE'] !== undefined
      ? { tls: { ca: readFileSync(env['LDAP_CA_FILE'], 'utf8') } }
      : {}),
  }
  const directory: DirectoryInput =
    ldapUrl !== undefined
      ? { kind: 'ldap', config: ldap }
      : {
          kind: 'ldif',
          text: options.ldifText ?? readFileSync(join(here, 'directory.ldif'), 'utf8'),
          config: ldap,
        }

  const mattermostUrl = env['MATTERMOST_URL']
  const mattermostToken = env['MATTERMOST_TOKEN']
  const viaApi = mattermostUrl !== undefined && mattermostToken !== undefined
  const embedded = !viaApi && env['DATABASE_URL'] === undefined
  let target: TargetInput
  let close: () => Promise<void> = () => Promise.resolve()
  if (viaApi) {
    target = {
      kind: 'mattermost',
      client: createMattermostClient({ url: mattermostUrl, token: mattermostToken }),
    }
  } else if (embedded) {
    const db = await PGlite.create()
    const client = fromPglite(db)
    target = { kind: 'postgres', client }
    close = () => db.close()
    const seeded = await createMattermostSchema(client).andThen(() =>
      writeSyncState(client, mattermostSeed, { now: 1_764_000_000_000 }),
    )
    if (seeded.isErr()) {
      await close()
      return err({
        kind: 'sync',
        message: 'could not seed the embedded Mattermost database',
        cause: seeded.error,
      })
    }
  } else {
    const pool = new pg.Pool({ connectionString: env['DATABASE_URL'], max: 4 })
    target = { kind: 'postgres', client: pool }
    close = () => pool.end()
  }
  const wantApply = options.apply ?? embedded
  const sources = {
    directory: ldapUrl !== undefined ? `LDAP ${ldapUrl}` : 'examples/rocky-linux/directory.ldif',
    mattermost: viaApi
      ? `REST API ${mattermostUrl}`
      : embedded
        ? 'embedded PGlite seeded from examples/rocky-linux/mattermost-seed.ts'
        : 'DATABASE_URL',
  }

  try {
    const ports = syncPorts({ directory, target, matchBy, rules })

    log(`Directory: ${sources.directory}`)
    log(`Mattermost: ${sources.mattermost}`)
    const dry = await runSync(ports, policy, { apply: false })
    if (dry.isErr())
      return err({ kind: 'sync', message: dry.error.message, cause: dry.error.cause })
    const plan = dry.value.plan
    const state = ports.lastState()
    if (state === undefined) throw new Error('runSync planned without combining a state')
    const names = Object.fromEntries<string>([
      ...state.users.map((u): [string, string] => [u.id, u.username]),
      ...state.teams.map((t): [string, string] => [t.id, t.name]),
      ...state.channels.map((c): [string, string] => [c.id, c.name]),
    ])
    log('')
    log(formatPlan(plan, names).trimEnd())
    for (const w of dry.value.warnings.filter((w) => !plan.warnings.includes(w as never)))
      log(`  - ${describeWarning(w)}`)

    // A reviewed plan is applied exactly as written: through the file, refused when stale.
    const planFile = join(mkdtempSync(join(tmpdir(), 'grouproles-demo-')), 'plan.json')
    writeFileSync(planFile, writePlanFile(plan, { state }))
    log('')
    log(`Plan written to ${planFile}`)

    let applied: ApplyReport | undefined
    let replanned = plan.commands.length
    if (wantApply) {
      const file = readPlanFile(readFileSync(planFile, 'utf8'))
      if (file.isErr()) return err({ kind: 'sync', message: file.error.message, cause: file.error })
      const result = await ports.apply(file.value.plan)
      if (result.isErr()) {
        const cause = result.error as { kind?: string; message?: string }
        return err({
          kind: cause.kind === 'stalePlan' ? 'stalePlan' : 'sync',
          message: cause.message ?? 'apply failed',
          cause,
        })
      }
      applied = result.value
      const done = Object.entries(applied.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
      log(`Applied from the plan file: ${done.join(', ') || 'nothing'}`)
      const again = await runSync(ports, policy, { apply: false })
      if (again.isErr())
        return err({ kind: 'sync', message: again.error.message, cause: again.error.cause })
      replanned = again.value.plan.commands.length
      log(`Re-planned: ${replanned} changes${replanned === 0 ? ' (converged)' : ''}`)
    } else log('Dry run: nothing applied (pass --apply to apply)')

    // Explained on the latest state read (after the apply, when there was one).
    const latest: SyncState = ports.lastState() ?? state
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
    return ok({
      sources,
      plan,
      planFile,
      ...(applied !== undefined ? { applied } : {}),
      replanned,
      explanation,
    })
  } finally {
    await close()
  }
}

export { mmId }
