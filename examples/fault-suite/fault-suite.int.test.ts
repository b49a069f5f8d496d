/**
 * The fault suite: full sync cycles against a real slapd (FreeIPA-shaped), a real Postgres (the
 * Mattermost schema) and the spec-validated fake Mattermost, with one fault per scenario. Each
 * scenario checks the typed error or outcome, that nobody was wrongfully removed, and that the next
 * clean run converges. A summary table is printed at the end.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { okAsync } from 'neverthrow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  planSync,
  readPlanFile,
  runSync,
  writePlanFile,
  type RunSyncPorts,
  type SyncState,
} from '@grouproles/core'
import {
  linksFromRules,
  readLdif,
  resolveGroups,
  type DirectorySnapshot,
  type LdapDirectoryConfig,
} from '@grouproles/adapter-ldap'
import {
  loadSyncState,
  withRunLock,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQuery,
} from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import { createMattermostClient, loadSyncState as loadViaApi } from '@grouproles/adapter-mattermost'
import {
  missingLdapTools,
  startSlapd,
  type Slapd,
} from '../../packages/adapter-ldap/test/support/slapd.js'
import {
  findPgBin,
  startPostgres,
  type RunningPostgres,
} from '../../packages/adapter-postgres/test/start-postgres.js'
import { FakeMattermost } from '../../packages/adapter-mattermost/test/fake-mattermost/fake-mattermost.js'
import { parseConfig, parseConfigText } from '../shared/parse-config.js'
import { mattermostSeed, mmId } from '../rocky-linux/mattermost-seed.js'
import { syncPorts, type TargetInput } from '../shared/sync-ports.js'

const suffix = 'dc=ipa,dc=test'
const bindDn = `uid=mattermost,cn=sysaccounts,cn=etc,${suffix}`
const bindPassword = 'fault-suite-secret'
const config = parseConfigText(
  await readFile(new URL('../rocky-linux/config.json', import.meta.url), 'utf8'),
)._unsafeUnwrap()
// OpenLDAP needs a structural class on the user-private group (389 does not): add nsContainer.
const rockyLdif = (
  await readFile(new URL('../rocky-linux/directory.ldif', import.meta.url), 'utf8')
)
  .replaceAll('dc=rockylinux,dc=org', suffix)
  .replace(
    'objectClass: top\nobjectClass: posixgroup\nobjectClass: ipaobject\n',
    'objectClass: top\nobjectClass: nsContainer\nobjectClass: posixgroup\nobjectClass: ipaobject\n',
  )

const missing = [
  ...missingLdapTools(),
  ...(findPgBin() === undefined ? ['postgresql (initdb)'] : []),
]
const required = process.env['GROUPROLES_ALLOW_MISSING_SERVERS'] !== '1'
if (missing.length > 0) {
  if (required) throw new Error(`fault suite: required servers are missing: ${missing.join(', ')}`)
  console.warn(
    `\n*** fault suite SKIPPED: missing ${missing.join(', ')} (run scripts/bootstrap.sh as root) ***\n`,
  )
}

/** The Rocky Linux directory under the test suffix, plus bulk users so that a read spans many pages. */
function fixtureLdif(bulkUsers: number): string {
  const container = (dn: string, cn: string) =>
    `dn: ${dn}\nobjectClass: top\nobjectClass: nsContainer\ncn: ${cn}\n`
  const bulk = Array.from({ length: bulkUsers }, (_, i) => {
    const uid = `bulk${String(i).padStart(5, '0')}`
    return [
      `dn: uid=${uid},cn=users,cn=accounts,${suffix}`,
      ...[
        'top',
        'person',
        'organizationalperson',
        'inetorgperson',
        'inetuser',
        'posixaccount',
        'ipaobject',
      ].map((c) => `objectClass: ${c}`),
      `uid: ${uid}`,
      `cn: Bulk ${i}`,
      `sn: ${i}`,
      `uidNumber: ${20000 + i}`,
      `gidNumber: ${20000 + i}`,
      `homeDirectory: /home/${uid}`,
      `ipaUniqueID: 30000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      '',
    ].join('\n')
  })
  return [
    `dn: ${suffix}\nobjectClass: top\nobjectClass: domain\ndc: ipa\n`,
    container(`cn=accounts,${suffix}`, 'accounts'),
    container(`cn=users,cn=accounts,${suffix}`, 'users'),
    container(`cn=groups,cn=accounts,${suffix}`, 'groups'),
    container(`cn=etc,${suffix}`, 'etc'),
    container(`cn=sysaccounts,cn=etc,${suffix}`, 'sysaccounts'),
    `dn: ${bindDn}\nobjectClass: account\nobjectClass: simpleSecurityObject\nuid: mattermost\nuserPassword: ${bindPassword}\n`,
    rockyLdif,
    ...bulk,
  ].join('\n')
}

interface Row {
  readonly scenario: string
  readonly outcome: string
  readonly wrongfulRemovals: number
  readonly converged: boolean
}
const rows: Row[] = []

/** Active memberships as `team:t:u` / `channel:c:u` keys. */
function memberships(state: SyncState): Set<string> {
  return new Set([
    ...state.teamMembers
      .filter((m) => m.deleted !== true)
      .map((m) => `team:${m.teamId}:${m.userId}`),
    ...state.channelMembers.map((m) => `channel:${m.channelId}:${m.userId}`),
  ])
}

describe.skipIf(missing.length > 0)('fault suite (slapd + Postgres + fake Mattermost)', () => {
  let slapd: Slapd
  let postgres: RunningPostgres
  let admin: pg.Pool
  let ldifFile: string
  let workDir: string
  let dbNumber = 0
  const pools: pg.Pool[] = []
  /** Removals a fault-free run makes on the seed (team removals cascade to the team's channels). */
  let allowedRemovals: Set<string>

  const ldapConfig = (overrides: Partial<LdapDirectoryConfig> = {}): LdapDirectoryConfig => ({
    ...config.ldap,
    url: slapd.url,
    bindDn,
    password: bindPassword,
    baseDn: suffix,
    pageSize: 100,
    timeoutMs: 5_000,
    connectTimeoutMs: 2_000,
    ...overrides,
  })

  /** A fresh Mattermost database holding the seed. */
  async function freshDatabase(): Promise<pg.Pool> {
    const name = `fault_${++dbNumber}`
    await admin.query(`CREATE DATABASE ${name}`)
    const pool = new pg.Pool({ connectionString: postgres.url(name), max: 4 })
    // A terminated backend (the mid-apply drop) also reaches idle clients: not a crash.
    pool.on('error', () => undefined)
    pools.push(pool)
    ;(
      await createMattermostSchema(pool).andThen(() =>
        writeSyncState(pool, mattermostSeed, { now: 1_764_000_000_000 }),
      )
    )._unsafeUnwrap()
    return pool
  }

  const portsFor = (target: TargetInput, ldap: LdapDirectoryConfig = ldapConfig()) =>
    syncPorts({
      directory: { kind: 'ldap', config: ldap },
      target,
      matchBy: config.matchBy,
      rules: config.rules,
    })

  async function wrongful(pool: pg.Pool): Promise<number> {
    const after = memberships((await loadSyncState(pool))._unsafeUnwrap())
    let n = 0
    for (const key of memberships(mattermostSeed))
      if (!after.has(key) && !allowedRemovals.has(key)) n++
    return n
  }

  /** The next clean run applies what is left and must verify as converged. */
  async function convergesAfter(target: TargetInput): Promise<boolean> {
    const r = await runSync(portsFor(target), config.policy, { apply: true })
    return r.isOk() && (r.value.verification?.converged ?? r.value.plan.commands.length === 0)
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'grouproles-faults-'))
    ldifFile = join(workDir, 'fixture.ldif')
    await writeFile(ldifFile, fixtureLdif(3000))
    slapd = await startSlapd({ dir: join(workDir, 'slapd'), ldifFile })
    postgres = await startPostgres(findPgBin() as string)
    admin = new pg.Pool({ connectionString: postgres.url('postgres'), max: 2 })
    const snapshot = readLdif(fixtureLdif(0), ldapConfig())._unsafeUnwrap()
    const ports: RunSyncPorts<DirectorySnapshot, unknown> = {
      ...portsFor({ kind: 'postgres', client: await freshDatabase() }),
      readDirectory: () => okAsync(snapshot),
    }
    const baseline = (await runSync(ports, config.policy))._unsafeUnwrap().plan
    allowedRemovals = new Set<string>()
    const channelsOf = (teamId: string) =>
      mattermostSeed.channels.filter((c) => c.teamId === teamId).map((c) => c.id)
    for (const c of baseline.commands) {
      if (c.kind === 'removeChannelMember')
        allowedRemovals.add(`channel:${c.channelId}:${c.userId}`)
      if (c.kind === 'removeTeamMember') {
        allowedRemovals.add(`team:${c.teamId}:${c.userId}`)
        for (const id of channelsOf(c.teamId)) allowedRemovals.add(`channel:${id}:${c.userId}`)
      }
    }
    expect(allowedRemovals.has(`team:${mmId('teamrl')}:${mmId('frank')}`)).toBe(true)
  }, 120_000)

  afterAll(async () => {
    // Each step on its own: when beforeAll failed half-way, the later servers do not exist.
    const steps = [
      ...pools.map((p) => () => p.end()),
      () => admin.end(),
      () => slapd.stop(),
      () => postgres.stop(),
      () => rm(workDir, { recursive: true, force: true }),
    ]
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch(() => undefined)
    if (rows.length > 0) {
      const w = Math.max(...rows.map((r) => r.scenario.length))
      const o = Math.max(...rows.map((r) => r.outcome.length))
      console.log(
        [
          '',
          `${'scenario'.padEnd(w)} | ${'outcome'.padEnd(o)} | wrongful removals | converged`,
          `${'-'.repeat(w)}-|-${'-'.repeat(o)}-|-------------------|----------`,
          ...rows.map(
            (r) =>
              `${r.scenario.padEnd(w)} | ${r.outcome.padEnd(o)} | ${String(r.wrongfulRemovals).padEnd(17)} | ${r.converged ? 'yes' : 'NO'}`,
          ),
          '',
        ].join('\n'),
      )
    }
  })

  it('full cycle: LDAP + Postgres, applied, verified, converged', async () => {
    const pool = await freshDatabase()
    const r = (
      await runSync(portsFor({ kind: 'postgres', client: pool }), config.policy, { apply: true })
    )._unsafeUnwrap()
    expect(r.applied?.outcomes.every((o) => o.kind === 'done')).toBe(true)
    const converged = r.verification?.converged === true
    rows.push({
      scenario: 'full cycle',
      outcome: `applied ${r.plan.commands.length} commands`,
      wrongfulRemovals: await wrongful(pool),
      converged,
    })
    expect(converged).toBe(true)
    expect(await wrongful(pool)).toBe(0)
  })

  it('slapd stopped mid-run: typed error, nothing applied, next run converges', async () => {
    const pool = await freshDatabase()
    const dying = await startSlapd({ dir: join(workDir, 'dying'), ldifFile })
    const ports = portsFor({ kind: 'postgres', client: pool }, ldapConfig({ url: dying.url }))
    const killed = {
      ...ports,
      readDirectory: () => {
        setTimeout(() => dying.process.kill('SIGKILL'), 40)
        return ports.readDirectory()
      },
    }
    const r = await runSync(killed, config.policy, { apply: true })
    await dying.stop().catch(() => undefined)
    const error = r._unsafeUnwrapErr()
    expect(error.kind).toBe('loadFailed')
    const cause = (error.cause as { kind: string }).kind
    expect(['connectionLost', 'unreachable', 'timeout']).toContain(cause)
    const removed = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    rows.push({
      scenario: 'slapd stopped mid-run',
      outcome: `loadFailed (${cause})`,
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('a bind that fails: invalidCredentials, nothing applied, next run converges', async () => {
    const pool = await freshDatabase()
    const r = await runSync(
      portsFor({ kind: 'postgres', client: pool }, ldapConfig({ password: 'wrong' })),
      config.policy,
      { apply: true },
    )
    const error = r._unsafeUnwrapErr()
    expect(error).toMatchObject({ kind: 'loadFailed', cause: { kind: 'invalidCredentials' } })
    expect(JSON.stringify(error)).not.toContain('wrong')
    const removed = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    rows.push({
      scenario: 'bind fails',
      outcome: 'loadFailed (invalidCredentials)',
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('one unreadable group: its syncables freeze (no removals, no demotions), the rest syncs', async () => {
    const pool = await freshDatabase()
    const ports = portsFor({ kind: 'postgres', client: pool })
    // What the adapter returns when a group cannot be read: unavailable, members unknown (here: none).
    const broken = {
      ...ports,
      readDirectory: () =>
        ports.readDirectory().map((s) => ({
          ...s,
          groups: s.groups.map((g) =>
            g.name === 'mm_rl_infrastructure'
              ? { ...g, status: 'unavailable' as const, memberUsernames: [] }
              : g,
          ),
        })),
    }
    const r = (await runSync(broken, config.policy, { apply: true }))._unsafeUnwrap()
    expect(r.plan.warnings.some((w) => w.kind === 'unavailableGroup')).toBe(true)
    expect(
      r.plan.commands.filter(
        (c) => c.kind === 'removeTeamMember' || c.kind === 'removeChannelMember',
      ),
    ).toEqual([])
    expect(r.plan.commands.some((c) => c.kind === 'addTeamMember')).toBe(true)
    const removed = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    rows.push({
      scenario: 'one unreadable group',
      outcome: `applied ${r.plan.commands.length}, frozen: ${r.plan.warnings.filter((w) => w.kind === 'unavailableGroup').length} group`,
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('Postgres dropped mid-apply: typed error, nothing half-written, next run converges', async () => {
    const pool = await freshDatabase()
    let armed = true
    // Terminates the applying connection from another session right before its first write.
    const dropping: PostgresPool = {
      query: (q: PostgresQuery) => pool.query(q),
      connect: async (): Promise<PostgresPoolClient> => {
        const c = await pool.connect()
        // The terminated session also errors on the client object itself: expected here.
        c.on('error', () => undefined)
        return {
          query: async (q: PostgresQuery) => {
            if (armed && /^\s*(WITH (input|removed)|UPDATE (team|channel)members)/i.test(q.text)) {
              armed = false
              const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
                ?.pid
              await admin.query('SELECT pg_terminate_backend($1)', [pid])
            }
            return c.query(q)
          },
          release: (e?: boolean | Error) => {
            c.release(e)
          },
        }
      },
    }
    const before = memberships((await loadSyncState(pool))._unsafeUnwrap())
    const r = await runSync(portsFor({ kind: 'postgres', client: dropping }), config.policy, {
      apply: true,
    })
    const error = r._unsafeUnwrapErr()
    expect(error.kind).toBe('applyFailed')
    expect(armed).toBe(false)
    expect(memberships((await loadSyncState(pool))._unsafeUnwrap())).toEqual(before)
    const removed = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    rows.push({
      scenario: 'Postgres dropped mid-apply',
      outcome: `applyFailed (${(error.cause as { kind: string }).kind}), rolled back`,
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('two runners at once: exactly one runs, the other gets alreadyRunning', async () => {
    const pool = await freshDatabase()
    const other = new pg.Pool({ connectionString: postgres.url(`fault_${dbNumber}`), max: 4 })
    pools.push(other)
    const run = (p: pg.Pool) =>
      withRunLock(p, 'grouproles-fault-suite', () =>
        runSync(portsFor({ kind: 'postgres', client: p }), config.policy, { apply: true }),
      )
    const results = await Promise.all([run(pool), run(other)])
    const kinds = results.map((r) => (r.isOk() ? 'ran' : (r.error as { kind: string }).kind)).sort()
    expect(kinds).toEqual(['alreadyRunning', 'ran'])
    const removed = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    rows.push({
      scenario: 'two runners at once',
      outcome: 'one ran, one alreadyRunning',
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('a stale plan file: refused with stalePlan, nothing written', async () => {
    const pool = await freshDatabase()
    const ports = portsFor({ kind: 'postgres', client: pool })
    const plan = (await runSync(ports, config.policy))._unsafeUnwrap().plan
    const file = join(workDir, 'plan.json')
    await writeFile(file, writePlanFile(plan))
    // Someone changes Mattermost between review and apply.
    await pool.query('UPDATE teammembers SET schemeadmin = true WHERE userid = $1', [mmId('erin')])
    const before = memberships((await loadSyncState(pool))._unsafeUnwrap())
    const read = readPlanFile(await readFile(file, 'utf8'))._unsafeUnwrap()
    const applied = await ports.apply(read.plan)
    expect((applied._unsafeUnwrapErr() as { kind: string }).kind).toBe('stalePlan')
    expect(memberships((await loadSyncState(pool))._unsafeUnwrap())).toEqual(before)
    const removed = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    rows.push({
      scenario: 'stale plan file',
      outcome: 'refused (stalePlan)',
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('malformed config and LDIF: typed errors before anything runs', async () => {
    const pool = await freshDatabase()
    const badConfig = parseConfig({ ...config, matchBy: 'nickname' })
    expect(badConfig._unsafeUnwrapErr().kind).toBe('config')
    const badRules = parseConfig({
      ...config,
      ldap: config.ldap,
      rules: [{ kind: 'pattern', pattern: 'mm_{nope}' }],
    })
    expect(badRules._unsafeUnwrapErr().message).toMatch(/config.rules/)
    const ports = portsFor({ kind: 'postgres', client: pool })
    const ldif = {
      ...ports,
      readDirectory: () =>
        syncPorts({
          directory: {
            kind: 'ldif',
            text: 'dn: uid=x\nuid:: %%%not-base64\n',
            config: ldapConfig(),
          },
          target: { kind: 'postgres', client: pool },
          matchBy: config.matchBy,
          rules: config.rules,
        }).readDirectory(),
    }
    const r = await runSync(ldif, config.policy, { apply: true })
    expect(r._unsafeUnwrapErr().kind).toBe('loadFailed')
    const removed = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    rows.push({
      scenario: 'malformed config and LDIF',
      outcome: `config error; loadFailed (${(r._unsafeUnwrapErr().cause as { kind: string }).kind})`,
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('Mattermost answering 429 / 5xx / resets: retried or reported per command; re-runs converge, nothing lost', async () => {
    const fake = await FakeMattermost.start()
    try {
      // Through the API the server itself refuses removals on group-synced teams/channels (only its
      // own sync removes there), so this scenario syncs the same teams unconstrained, roles included.
      const unconstrained: SyncState = {
        ...mattermostSeed,
        channelHistory: [],
        teams: mattermostSeed.teams.map((t) => ({ ...t, groupConstrained: false })),
        channels: mattermostSeed.channels.map((c) => ({ ...c, groupConstrained: false })),
      }
      const policy = { ...config.policy, roleSync: 'allLinked' as const }
      const snapshotResult = readLdif(fixtureLdif(0), ldapConfig())
      if (snapshotResult.isErr()) throw new Error(`ldif: ${JSON.stringify(snapshotResult.error)}`)
      const snapshot = snapshotResult.value
      const groups = resolveGroups(snapshot, unconstrained.users, {
        matchBy: config.matchBy,
      }).groups
      const resolvedSeed: SyncState = {
        ...unconstrained,
        groups,
        links: linksFromRules(config.rules, groups, unconstrained.teams, unconstrained.channels)
          .links,
      }
      // Groups come from the directory in this flow, not from Mattermost's own group tables.
      fake.seed(unconstrained)
      const seeded = memberships(fake.snapshot())
      const client = createMattermostClient({
        url: fake.url,
        token: fake.token,
        baseDelayMs: 1,
        maxDelayMs: 20,
        maxAttempts: 2,
        timeoutMs: 5_000,
      })
      const ports = {
        ...portsFor({
          kind: 'mattermost',
          client,
          options: { channelIds: unconstrained.channels.map((c) => c.id) },
        }),
        readDirectory: () => okAsync(snapshot),
      }
      let seed = 7
      fake.random = () => (seed = (seed * 16807) % 2147483647) / 2147483647
      fake.faultRate = 0.3
      const faulty = await runSync(ports, policy, { apply: true, verify: false })
      const outcome = faulty.isOk()
        ? `applied with ${faulty.value.applied?.outcomes.filter((o) => o.kind === 'failed').length ?? 0} failed commands`
        : `${faulty.error.kind} (${(faulty.error.cause as { kind: string }).kind})`
      fake.clearFaults()
      const lost = [...seeded].filter((k) => !memberships(fake.snapshot()).has(k)).length
      let converged = false
      for (let i = 0; i < 3 && !converged; i++) {
        const r = await runSync(ports, policy, { apply: true })
        converged =
          r.isOk() && (r.value.verification?.converged ?? r.value.plan.commands.length === 0)
      }
      const loaded = await loadViaApi(client, {
        channelIds: unconstrained.channels.map((c) => c.id),
      })
      if (loaded.isErr()) throw new Error(`final load failed: ${JSON.stringify(loaded.error)}`)
      const final = loaded.value
      expect(final.teamMembers.length).toBe(
        new Set(final.teamMembers.map((m) => `${m.teamId}:${m.userId}`)).size,
      )
      rows.push({
        scenario: 'Mattermost 429/5xx/resets (30 %)',
        outcome,
        wrongfulRemovals: lost,
        converged,
      })
      expect(lost).toBe(0)
      expect(converged).toBe(true)
      expect(
        planSync({ ...final, groups: resolvedSeed.groups, links: resolvedSeed.links }, policy)
          .commands,
      ).toEqual([])
      expect(fake.violations).toEqual([])
    } finally {
      await fake.close()
    }
  })
})
