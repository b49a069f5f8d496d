import type { Server } from 'node:http'
import { err, ok } from 'neverthrow'
import { failure, messageOf, usageError } from '../cli-error.js'
import {
  boolFlag,
  ldifPath,
  loadConfig,
  stringFlag,
  type CommandContext,
  type CommandResult,
} from '../command-context.js'
import { newestRunId, openNotifier, runIdSince } from '../notify-run.js'
import { openGroups } from '../open-groups.js'
import { openTarget } from '../open-target.js'
import { parseServeSettings } from '../service/parse-serve-settings.js'

/**
 * `grouproles serve`: syncs on an interval under the run lock, logs JSON lines, serves /metrics and
 * /healthz (and, with `serve.role` in the config, /role on its own port behind a bearer token) until
 * SIGINT or SIGTERM.
 */
export async function run(ctx: CommandContext): Promise<CommandResult> {
  const interval = stringFlag(ctx.flags, 'interval')
  const port = stringFlag(ctx.flags, 'port')
  const host = stringFlag(ctx.flags, 'host')
  const settings = parseServeSettings(
    {
      apply: boolFlag(ctx.flags, 'apply'),
      ...(interval !== undefined ? { interval } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(host !== undefined ? { host } : {}),
    },
    ctx.env,
  )
  if (settings.isErr()) return err(settings.error)
  const config = loadConfig(ctx, 'serve')
  if (config.isErr()) return err(config.error)
  const notifier = await openNotifier(config.value, ctx.env)
  if (notifier.isErr()) return err(notifier.error)
  const serveConfig = config.value.serve
  const role = serveConfig.role
  let roleToken: string | undefined
  if (role !== undefined) {
    roleToken = ctx.env[role.tokenEnv]
    if (roleToken === undefined || roleToken.length < 16)
      return err(
        usageError(
          `serve.role needs a bearer token of 16+ characters in ${role.tokenEnv} (e.g. openssl rand -hex 32)`,
          'invalidSetting',
        ),
      )
    if (role.port !== 0 && role.port === settings.value.port)
      return err(
        usageError(
          `serve.role.port: /role needs its own port, not the metrics port ${role.port}`,
          'invalidSetting',
        ),
      )
  }
  const ldif = ldifPath(ctx)
  const groups = await openGroups(config.value, ctx.env, {
    ...(ldif !== undefined ? { ldif } : {}),
    cwd: ctx.io.cwd,
    allowEmpty: boolFlag(ctx.flags, 'allow-empty'),
  })
  if (groups.isErr()) return err(groups.error)
  const target = await openTarget(ctx.env, {
    demo: boolFlag(ctx.flags, 'demo'),
    config: config.value,
  })
  if (target.isErr()) return err(target.error)
  const lockClient = target.value.lockClient
  if (lockClient === undefined) {
    await target.value.close()
    return err(
      failure(
        'noRunLock',
        "serve needs a Postgres database for its run lock (DATABASE_URL, or the REST API's store)",
      ),
    )
  }
  const [{ pino }, { Registry, collectDefaultMetrics }, { createSyncService }] = await Promise.all([
    import('pino'),
    import('prom-client'),
    import('../service/sync-service.js'),
  ])
  const s = settings.value
  const logger = pino({ level: s.logLevel, redact: ['*.password', '*.token', '*.bindPassword'] })
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Each applied run's journal id is the newest one after the last seen (for `revert`).
  let lastRunId = notifier.value !== undefined ? await newestRunId(lockClient) : undefined
  const notify = notifier.value
  const afterRun =
    notify === undefined
      ? undefined
      : async (r: Parameters<typeof notify.notify>[0]): Promise<void> => {
          const runId = r.dryRun ? undefined : await runIdSince(lockClient, lastRunId)
          if (runId !== undefined) lastRunId = runId
          const posted = await notify.notify(r, runId !== undefined ? { runId } : {})
          if (posted.kind === 'notifyFailed') logger.warn({ warning: posted }, posted.message)
          else if (posted.kind === 'posted')
            logger.info({ postId: posted.postId, runId }, `run summary posted to ${notify.where}`)
        }
  const service = createSyncService({
    ports: {
      groups: groups.value.groups,
      target: target.value.target,
      history: target.value.history,
    },
    lockClient,
    policy: config.value.policy,
    gates: config.value.gates,
    safety: { ...config.value.safety, now: Date.now },
    apply: s.apply,
    intervalMs: s.intervalMs,
    logger,
    registry,
    ...(afterRun !== undefined ? { afterRun } : {}),
  })
  for (const w of [...groups.value.warnings, ...(target.value.warnings ?? [])]) logger.warn(w)
  const servers: Server[] = []
  try {
    servers.push(await service.listen(s.port, s.host, serveConfig.http))
    if (role !== undefined && roleToken !== undefined)
      servers.push(
        await service.listenRole(role.port, role.host, {
          token: roleToken,
          limits: serveConfig.http,
        }),
      )
  } catch (e) {
    await Promise.all(servers.map((sv) => new Promise((r) => sv.close(r))))
    await target.value.close()
    return err(failure('listenFailed', `cannot listen: ${messageOf(e)}`))
  }
  const portOf = (sv: Server | undefined, fallback: number): number => {
    const address = sv?.address()
    return typeof address === 'object' && address !== null ? address.port : fallback
  }
  logger.info(
    {
      directory: groups.value.description,
      mattermost: target.value.description,
      apply: s.apply,
      intervalMs: s.intervalMs,
      port: portOf(servers[0], s.port),
      host: s.host,
      ...(role !== undefined
        ? { rolePort: portOf(servers[1], role.port), roleHost: role.host }
        : {}),
      http: serveConfig.http,
    },
    'grouproles service listening',
  )
  service.start()
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ['SIGINT', 'SIGTERM'] as const)
      process.once(name, () => {
        resolve(name)
      })
  })
  logger.info({ signal }, 'stopping')
  await service.stop()
  await Promise.all(
    servers.map(
      (sv) =>
        new Promise<void>((resolve) => {
          sv.close(() => {
            resolve()
          })
        }),
    ),
  )
  await target.value.close()
  return ok(0)
}
