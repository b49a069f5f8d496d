/**
 * The embeddable service, standalone: syncs on an interval under the Postgres run lock, logs with
 * pino, serves Prometheus metrics and the add-user role hook on http://127.0.0.1:9464.
 * Env: DATABASE_URL (Mattermost's database; required), LDAP_URL/LDAP_BIND_DN/LDAP_PASSWORD (else
 * the example LDIF), SYNC_INTERVAL_SECONDS (default 300), SYNC_APPLY=1 to apply (default: plan only).
 */
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { pino } from 'pino'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { parseDemoConfig } from '../rocky-linux/demo.js'
import { syncPorts } from '../shared/sync-ports.js'
import { createSyncService } from './sync-service.js'

const logger = pino({
  level: process.env['LOG_LEVEL'] ?? 'info',
  redact: ['*.password', '*.token', '*.bindPassword'],
})
const databaseUrl = process.env['DATABASE_URL']
if (databaseUrl === undefined) {
  logger.fatal('DATABASE_URL is required (the Mattermost database; it also holds the run lock)')
  process.exit(2)
}
const config = parseDemoConfig(
  JSON.parse(
    readFileSync(new URL('../rocky-linux/config.json', import.meta.url), 'utf8'),
  ) as unknown,
)
if (config.isErr()) {
  logger.fatal({ err: config.error }, 'invalid config')
  process.exit(2)
}
const { ldap, matchBy, rules, policy } = config.value
const ldapUrl = process.env['LDAP_URL']
const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
const registry = new Registry()
collectDefaultMetrics({ register: registry })
const service = createSyncService({
  ports: syncPorts({
    directory:
      ldapUrl !== undefined
        ? {
            kind: 'ldap',
            config: {
              ...ldap,
              url: ldapUrl,
              bindDn: process.env['LDAP_BIND_DN'] ?? ldap.bindDn,
              password: process.env['LDAP_PASSWORD'] ?? '',
            },
          }
        : {
            kind: 'ldif',
            text: readFileSync(new URL('../rocky-linux/directory.ldif', import.meta.url), 'utf8'),
            config: ldap,
          },
    target: { kind: 'postgres', client: pool },
    matchBy,
    rules,
  }),
  lockClient: pool,
  policy,
  apply: process.env['SYNC_APPLY'] === '1',
  intervalMs: Number(process.env['SYNC_INTERVAL_SECONDS'] ?? 300) * 1000,
  logger,
  registry,
})
await service.listen(Number(process.env['PORT'] ?? 9464))
service.start()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping')
    void service
      .stop()
      .then(() => pool.end())
      .then(() => process.exit(0))
  })
}
