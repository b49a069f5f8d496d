/**
 * The embeddable service, standalone (`pnpm service`): syncs on an interval under the Postgres run
 * lock, logs with pino, serves Prometheus metrics and the add-user role hook on http://HOST:PORT.
 * Env (see parseServiceEnv): DATABASE_URL (required: the run lock, and the target unless
 * MATTERMOST_URL + MATTERMOST_TOKEN are set), SYNC_INTERVAL_SECONDS (300), SYNC_APPLY=1 to apply
 * (default: plan only), PORT (9464), HOST, LOG_LEVEL, GROUPROLES_CONFIG, GROUPROLES_LDIF,
 * LDAP_URL/LDAP_BIND_DN/LDAP_PASSWORD/LDAP_BASE_DN/LDAP_CA_FILE (else the LDIF export).
 */
import pg from 'pg'
import { pino } from 'pino'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { exampleConfigPath, exampleLdifPath } from '../rocky-linux/demo.js'
import { readConfigFile } from '../shared/parse-config.js'
import { openDirectory } from '../shared/open-directory.js'
import { openTarget } from '../shared/open-target.js'
import { syncPorts } from '../shared/sync-ports.js'
import { parseServiceEnv } from './parse-service-env.js'
import { createSyncService } from './sync-service.js'

const settings = parseServiceEnv(process.env)
if (settings.isErr()) {
  console.error(`grouproles service: ${settings.error.message}`)
  process.exit(2)
}
const env = settings.value
const logger = pino({
  level: env.logLevel,
  redact: ['*.password', '*.token', '*.bindPassword'],
})
const config = readConfigFile(env.configPath ?? exampleConfigPath)
if (config.isErr()) {
  logger.fatal({ err: config.error }, 'invalid config')
  process.exit(2)
}
const { ldap, matchBy, rules, policy, gates } = config.value
const directory = openDirectory(ldap, process.env, { path: env.ldifPath ?? exampleLdifPath })
if (directory.isErr()) {
  logger.fatal({ err: directory.error }, 'cannot set up the directory')
  process.exit(2)
}
const target = await openTarget(process.env, 'never')
if (target.isErr()) {
  logger.fatal({ err: { kind: target.error.kind, message: target.error.message } }, 'no target')
  process.exit(2)
}
const lockPool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 })
const registry = new Registry()
collectDefaultMetrics({ register: registry })
const service = createSyncService({
  ports: syncPorts({
    directory: directory.value.input,
    target: target.value.input,
    matchBy,
    rules,
  }),
  lockClient: lockPool,
  policy,
  gates,
  apply: env.apply,
  intervalMs: env.intervalMs,
  logger,
  registry,
})
logger.info(
  {
    directory: directory.value.description,
    mattermost: target.value.description,
    apply: env.apply,
    intervalMs: env.intervalMs,
  },
  'grouproles service starting',
)
await service.listen(env.port, env.host)
service.start()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping')
    void service
      .stop()
      .then(() => Promise.all([lockPool.end(), target.value.close()]))
      .then(() => process.exit(0))
  })
}
