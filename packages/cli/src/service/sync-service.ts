import type { Server } from 'node:http'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { Logger } from 'pino'
import {
  createRoleDecider,
  runSync,
  syncCommandKinds,
  type RoleDecider,
  type RoleDecision,
  type CommandError,
  type HoldReason,
  type RunSyncError,
  type RunSyncOptions,
  type RunSyncPorts,
  type RunSyncResult,
  type SafetyWarning,
  type SyncableRef,
  type SyncPolicyInput,
  type Warning,
} from '@grouproles/core'
import { withRunLock, type PostgresClient } from '@grouproles/adapter-postgres'
import type { HttpLimits } from './http-limits.js'
import { bearerTokenMatches, serveHttp } from './serve-http.js'

export interface SyncServiceOptions<
  GE extends CommandError,
  GW extends Warning,
  TE extends CommandError,
  TF extends CommandError,
> {
  readonly ports: RunSyncPorts<GE, GW, TE, TF>
  /** Mattermost's database (or any Postgres both replicas reach): holds the run lock. */
  readonly lockClient: PostgresClient
  readonly lockKey?: string
  readonly policy: SyncPolicyInput
  /** Gates checked before applying (the config file's `gates`). */
  readonly gates?: RunSyncOptions['gates']
  /**
   * The safety rules across runs (removal grace, health gate, last-admin guard) with a wall clock;
   * the run's history comes from `ports.history`.
   */
  readonly safety?: RunSyncOptions['safety']
  /** Apply plans (default false: the service only plans and reports). */
  readonly apply?: boolean
  /** Pause between the end of one run and the start of the next; a number > 0. */
  readonly intervalMs: number
  readonly logger: Logger
  readonly registry: Registry
  readonly clock?: () => number
  /**
   * Called after each run that planned (outside the run lock), e.g. to post its summary. Its
   * failures are the caller's to report: it must not throw, and it never fails the run.
   */
  readonly afterRun?: (result: RunSyncResult<GW, TF>) => Promise<void>
}

/** The outcome of one tick of the loop. */
export type TickOutcome<GW = Warning, TF extends CommandError = CommandError> =
  | { readonly kind: 'synced'; readonly result: RunSyncResult<GW, TF> }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: { readonly kind: string; readonly message: string } }

export interface SyncService<GW = Warning, TF extends CommandError = CommandError> {
  /** One run under the run lock; another replica holding the lock makes it a `skipped`. */
  runOnce(): Promise<TickOutcome<GW, TF>>
  start(): void
  stop(): Promise<void>
  /**
   * The add-user hook: the role a user gets when added to a team or channel, decided from the last
   * state this service loaded (an index built once per run, so a hook call is a map look-up).
   */
  roleForNewMember(userId: string, syncable: SyncableRef): RoleDecision | undefined
  /**
   * An HTTP server with `/metrics` (Prometheus) and `/healthz`: GET/HEAD only, `limits` (see
   * `defaultHttpLimits`) on connections and time. Rejects when the port cannot be bound.
   */
  listen(port: number, host?: string, limits?: Partial<HttpLimits>): Promise<Server>
  /**
   * The add hook on its own server: `/role?user=…&team=…|channel=…` (it tells whether a user
   * exists, is an admin or a guest, and which groups link it), only with `Authorization: Bearer
   * <token>` (16+ characters, compared in constant time); GET/HEAD only, same `limits`.
   */
  listenRole(
    port: number,
    host: string,
    options: { readonly token: string; readonly limits?: Partial<HttpLimits> },
  ): Promise<Server>
}

/** The shortest bearer token `listenRole` takes: a short one can be guessed. */
export const minRoleTokenLength = 16

/**
 * A long-running sync for an embedding service: interval loop, run lock, logs, metrics, add hook.
 * A run counts as a success (`last_success`, `/healthz`) when it did all it was asked: a dry run
 * that planned, or an applied run with no closed gate, no failed command and a converged re-plan.
 */
export function createSyncService<
  GE extends CommandError,
  GW extends Warning,
  TE extends CommandError,
  TF extends CommandError,
>(options: SyncServiceOptions<GE, GW, TE, TF>): SyncService<GW, TF> {
  const { logger, registry } = options
  // A zero, negative or NaN interval would turn the loop into a busy loop: a caller's bug.
  if (!(Number.isFinite(options.intervalMs) && options.intervalMs > 0))
    throw new RangeError(`intervalMs must be a number > 0, got ${options.intervalMs}`)
  const clock = options.clock ?? (() => performance.now())
  const lockKey = options.lockKey ?? 'grouproles-sync'
  const runs = new Counter({
    name: 'grouproles_sync_runs_total',
    help: 'Sync runs by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const changes = new Counter({
    name: 'grouproles_sync_changes_total',
    help: 'Applied changes by command kind',
    labelNames: ['kind'],
    registers: [registry],
  })
  const failedCommands = new Counter({
    name: 'grouproles_sync_failed_commands_total',
    help: 'Commands whose apply outcome was failed, by command kind',
    labelNames: ['kind'],
    registers: [registry],
  })
  const planned = new Gauge({
    name: 'grouproles_sync_planned_commands',
    help: 'Commands in the last plan by kind',
    labelNames: ['kind'],
    registers: [registry],
  })
  const held = new Gauge({
    name: 'grouproles_sync_held_commands',
    help: "Commands held back in the last plan, by hold: the safety limits (maxRemovals, maxRemovalFraction), removals left to Mattermost's own group sync (leftToMattermost), removals in their grace period (pendingRemoval), the directory-wide health gate (healthGate) a syncable's last admin (lastAdmin) or drift with removals: 'ownOnly' (notAdded)",
    labelNames: ['hold'],
    registers: [registry],
  })
  const warnings = new Gauge({
    name: 'grouproles_sync_warnings',
    help: 'Warnings in the last run',
    registers: [registry],
  })
  const stage = new Gauge({
    name: 'grouproles_sync_stage_seconds',
    help: 'Duration of each stage of the last run',
    labelNames: ['stage'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'grouproles_sync_duration_seconds',
    help: 'Duration of whole runs',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  })
  const lastSuccess = new Gauge({
    name: 'grouproles_sync_last_success_timestamp_seconds',
    help: 'Unix time of the last run that did all it was asked (not gated, nothing failed, converged)',
    registers: [registry],
  })
  for (const kind of syncCommandKinds) {
    changes.inc({ kind }, 0)
    failedCommands.inc({ kind }, 0)
  }

  let decider: RoleDecider | undefined
  const ports = options.ports
  let timer: NodeJS.Timeout | undefined
  let running: Promise<TickOutcome<GW, TF>> | undefined
  let stopped = false
  let lastSuccessAt: number | undefined

  const tick = async (): Promise<TickOutcome<GW, TF>> => {
    const started = clock()
    const result = await withRunLock(options.lockClient, lockKey, () =>
      runSync(ports, options.policy, {
        apply: options.apply === true,
        ...(options.gates !== undefined ? { gates: options.gates } : {}),
        ...(options.safety !== undefined ? { safety: options.safety } : {}),
        clock,
        onProgress: (e) => {
          logger.debug({ event: e }, `sync ${e.kind}`)
        },
      }),
    )
    if (result.isErr()) {
      const error = result.error
      if (error.kind === 'alreadyRunning') {
        runs.inc({ outcome: 'skipped' })
        logger.info({ lockKey }, 'sync skipped: another runner holds the run lock')
        return { kind: 'skipped', reason: error.message }
      }
      runs.inc({ outcome: 'failed' })
      // Adapter errors carry no secrets (they scrub them); log the kind and message only.
      const cause = isRunSyncError(error)
        ? { side: error.cause.side, message: error.cause.error.message }
        : undefined
      logger.error(
        { err: { kind: error.kind, message: error.message, ...(cause ? { cause } : {}) } },
        'sync failed; nothing was removed on a failed read',
      )
      return { kind: 'failed', error: { kind: error.kind, message: error.message } }
    }
    const r = result.value
    // The add hook's decider follows the state each run planned from (built once per run).
    decider = createRoleDecider(r.state, options.policy)
    const failed = r.applied?.outcomes.filter((o) => o.kind === 'failed') ?? []
    const gated = r.gateReasons.length > 0
    const complete = !gated && failed.length === 0 && r.verification?.converged !== false
    runs.inc({
      outcome: gated ? 'gated' : r.dryRun ? 'planned' : complete ? 'applied' : 'incomplete',
    })
    for (const kind of syncCommandKinds) planned.set({ kind }, r.plan.stats.commands[kind])
    for (const o of r.applied?.outcomes ?? [])
      if (o.kind === 'done') changes.inc({ kind: o.command.kind })
    for (const o of failed) failedCommands.inc({ kind: o.command.kind })
    for (const hold of holdKinds) held.set({ hold }, 0)
    for (const h of r.plan.held) held.inc({ hold: h.hold.kind })
    warnings.set(r.warnings.length)
    stage.set({ stage: 'load' }, r.timings.loadMs / 1000)
    stage.set({ stage: 'plan' }, r.timings.planMs / 1000)
    stage.set({ stage: 'apply' }, r.timings.applyMs / 1000)
    stage.set({ stage: 'verify' }, r.timings.verifyMs / 1000)
    duration.observe((clock() - started) / 1000)
    // A gated or unfinished run is not a success: health and alerts must see it go stale.
    if (complete) {
      lastSuccessAt = Date.now()
      lastSuccess.set(lastSuccessAt / 1000)
    }
    const fields = {
      commands: r.plan.stats.commands,
      held: r.plan.held.length,
      leftToMattermost: r.plan.held.filter((h) => h.hold.kind === 'leftToMattermost').length,
      warnings: r.warnings.length,
      dryRun: r.dryRun,
      failed: failed.length,
      converged: r.verification?.converged,
      gateReasons: r.gateReasons,
      frozenGroups: r.safety.frozenGroups,
      directoryGated: r.safety.directoryGated,
      counted: r.safety.counted,
    }
    // The safety rules' findings, one typed line each (group, size then and now, …).
    for (const w of r.warnings)
      if (safetyWarningKinds.has(w.kind)) logger.warn({ warning: w }, w.message)
    if (gated) logger.warn(fields, `sync gated: nothing applied (${r.gateReasons.join('; ')})`)
    else if (!complete)
      logger.warn(
        fields,
        `sync incomplete: ${failed.length} commands failed, converged: ${String(r.verification?.converged)}`,
      )
    else
      logger.info(
        fields,
        `sync ${r.dryRun ? 'planned' : 'applied'} ${r.plan.commands.length} commands`,
      )
    // A bug in the hook must not stop the loop: the run itself is done.
    await options.afterRun?.(r).catch((e: unknown) => {
      logger.warn({ err: { message: String(e) } }, 'after-run hook failed')
    })
    return { kind: 'synced', result: r }
  }

  const service: SyncService<GW, TF> = {
    async runOnce() {
      // One run at a time in this process; the advisory lock covers other replicas.
      running ??= tick().finally(() => {
        running = undefined
      })
      return running
    },
    start() {
      stopped = false
      const loop = async () => {
        await service.runOnce()
        if (!stopped) timer = setTimeout(() => void loop(), options.intervalMs)
      }
      void loop()
    },
    async stop() {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      await running
    },
    roleForNewMember(userId, syncable) {
      return decider?.decide(userId, syncable)
    },
    listen(port, host = '127.0.0.1', limits = {}) {
      return serveHttp(port, host, limits, (url, _req, res) => {
        if (url.pathname === '/metrics') {
          void registry.metrics().then(
            (text) => {
              res.writeHead(200, { 'content-type': registry.contentType })
              res.end(text)
            },
            () => res.writeHead(500).end(),
          )
          return
        }
        if (url.pathname === '/healthz') {
          res.writeHead(lastSuccessAt === undefined ? 503 : 200, {
            'content-type': 'application/json',
          })
          res.end(JSON.stringify({ lastSuccessAt: lastSuccessAt ?? null }))
          return
        }
        res.writeHead(404).end()
      })
    },
    listenRole(port, host, { token, limits = {} }) {
      // A caller's bug: an empty or short token would make the hook as good as open.
      if (token.length < minRoleTokenLength)
        throw new RangeError(`the /role token must have at least ${minRoleTokenLength} characters`)
      return serveHttp(port, host, limits, (url, req, res) => {
        if (!bearerTokenMatches(req.headers.authorization, token)) {
          res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: 'a valid bearer token is required' }))
          return
        }
        if (url.pathname === '/role') {
          const user = url.searchParams.get('user') ?? ''
          const team = url.searchParams.get('team')
          const channel = url.searchParams.get('channel')
          const syncable: SyncableRef | undefined =
            team !== null
              ? { kind: 'team', id: team }
              : channel !== null
                ? { kind: 'channel', id: channel }
                : undefined
          const decision =
            syncable === undefined ? undefined : service.roleForNewMember(user, syncable)
          res.writeHead(decision === undefined ? 404 : 200, { 'content-type': 'application/json' })
          res.end(
            JSON.stringify(decision ?? { error: 'unknown user or team/channel (or no run yet)' }),
          )
          return
        }
        res.writeHead(404).end()
      })
    },
  }
  return service
}

// A Record over the union: a new hold kind fails to compile here until it is listed.
const holdKinds = Object.keys({
  maxRemovals: true,
  maxRemovalFraction: true,
  leftToMattermost: true,
  pendingRemoval: true,
  healthGate: true,
  lastAdmin: true,
  notAdded: true,
  replicaBehind: true,
} satisfies Record<HoldReason['kind'], true>)

const safetyWarningKinds: ReadonlySet<string> = new Set(
  Object.keys({
    groupShrank: true,
    directoryShrank: true,
    removalsPending: true,
    lastAdminKept: true,
    drift: true,
    historyNotSaved: true,
    replicaBehind: true,
    freshnessUnchecked: true,
  } satisfies Record<SafetyWarning['kind'], true>),
)

const runSyncErrorKinds: ReadonlySet<string> = new Set([
  'loadFailed',
  'applyFailed',
  'verifyFailed',
])

function isRunSyncError<GE extends CommandError, TE extends CommandError>(
  e: RunSyncError<GE, TE> | { readonly kind: string },
): e is RunSyncError<GE, TE> {
  return runSyncErrorKinds.has(e.kind)
}
