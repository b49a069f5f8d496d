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
import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  groupsFromDirectory,
  planSync,
  readPlanFile,
  runSync,
  writePlanFile,
  type ApplyReport,
  type PlannedCommand,
  type SyncState,
} from '@grouproles/core'
import { readLdif, type LdapDirectoryConfig } from '@grouproles/adapter-ldap'
import {
  fromPglite,
  loadSyncState,
  PostgresHistoryStore,
  PostgresMembershipStore,
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
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import { parseConfig, parseConfigText } from '../shared/parse-config.js'
import { mattermostSeed, mmId } from '../rocky-linux/mattermost-seed.js'
import { syncPorts, type TargetInput } from '../shared/sync-ports.js'
import { bindDn, bindPassword, fixtureLdif, suffix } from '../test-support/rocky-slapd-fixture.js'

const config = parseConfigText(
  await readFile(new URL('../rocky-linux/config.json', import.meta.url), 'utf8'),
)._unsafeUnwrap()
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
  /** The fault-free plan on the seed. */
  let baseline: readonly PlannedCommand[]

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
  /** The same ports with the fixture's directory read from its LDIF text (no slapd round trip). */
  const offlinePortsFor = (target: TargetInput, text = fixtureLdif(0)) =>
    syncPorts({
      directory: { kind: 'ldif', text, source: 'fixture.ldif', config: ldapConfig() },
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

  /** Wrongful removals after the faulty run plus after the converging run that follows it. */
  async function settle(pool: pg.Pool): Promise<{ removed: number; converged: boolean }> {
    const before = await wrongful(pool)
    const converged = await convergesAfter({ kind: 'postgres', client: pool })
    return { removed: before + (await wrongful(pool)), converged }
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'grouproles-faults-'))
    ldifFile = join(workDir, 'fixture.ldif')
    await writeFile(ldifFile, fixtureLdif(3000))
    slapd = await startSlapd({ dir: join(workDir, 'slapd'), ldifFile })
    postgres = await startPostgres(findPgBin() as string)
    admin = new pg.Pool({ connectionString: postgres.url('postgres'), max: 2 })
    const ports = offlinePortsFor({ kind: 'postgres', client: await freshDatabase() })
    baseline = (await runSync(ports, config.policy))._unsafeUnwrap().plan.commands
    allowedRemovals = new Set<string>()
    const channelsOf = (teamId: string) =>
      mattermostSeed.channels.filter((c) => c.teamId === teamId).map((c) => c.id)
    for (const c of baseline) {
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
      groups: {
        loadGroups: (target: Parameters<typeof ports.groups.loadGroups>[0]) => {
          setTimeout(() => dying.process.kill('SIGKILL'), 40)
          return ports.groups.loadGroups(target)
        },
      },
    }
    const r = await runSync(killed, config.policy, { apply: true })
    await dying.stop().catch(() => undefined)
    const error = r._unsafeUnwrapErr()
    expect(error.kind).toBe('loadFailed')
    expect(error.cause.side).toBe('groups')
    const cause = error.cause.error.kind
    expect(['connectionLost', 'unreachable', 'timeout']).toContain(cause)
    const { removed, converged } = await settle(pool)
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
    expect(error).toMatchObject({
      kind: 'loadFailed',
      cause: { side: 'groups', error: { kind: 'invalidCredentials' } },
    })
    expect(JSON.stringify(error)).not.toContain('wrong')
    const { removed, converged } = await settle(pool)
    rows.push({
      scenario: 'bind fails',
      outcome: 'loadFailed (invalidCredentials)',
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('one unreadable group (AD-trust external members): its syncables freeze, the rest syncs', async () => {
    const pool = await freshDatabase()
    // FreeIPA groups can hold AD-trust members (ipaExternalMember, SIDs). They cannot be resolved
    // to directory users, so the adapter reports the group as unavailable: its syncables must not
    // lose members or admins on this read.
    const variant = join(workDir, 'external-members.ldif')
    await writeFile(
      variant,
      fixtureLdif(0).replace(
        'objectClass: posixgroup\ncn: mm_rl_infrastructure\ndescription: Channel rl/infrastructure\n',
        'objectClass: posixgroup\nobjectClass: ipaexternalgroup\ncn: mm_rl_infrastructure\ndescription: Channel rl/infrastructure\nipaExternalMember: S-1-5-21-1004336348-1177238915-682003330-512\n',
      ),
    )
    const external = await startSlapd({ dir: join(workDir, 'external'), ldifFile: variant })
    const ports = portsFor({ kind: 'postgres', client: pool }, ldapConfig({ url: external.url }))
    let r
    try {
      r = (await runSync(ports, config.policy, { apply: true }))._unsafeUnwrap()
    } finally {
      await external.stop()
    }
    const unavailable = r.plan.warnings.filter((w) => w.kind === 'unavailableGroup')
    const infraGroup = r.state.groups.find((g) => g.name === 'mm_rl_infrastructure')
    expect(infraGroup?.status).toBe('unavailable')
    expect(JSON.stringify(unavailable)).toContain(infraGroup?.id)
    const infra = mmId('rlinfrastructure')
    // A fault-free run demotes alice in ~infrastructure (baseline); frozen, it must not.
    expect(baseline.some((c) => c.kind === 'setChannelMemberAdmin' && c.channelId === infra)).toBe(
      true,
    )
    expect(
      r.plan.commands.filter(
        (c) =>
          (c.kind === 'removeChannelMember' && c.channelId === infra) ||
          (c.kind === 'setChannelMemberAdmin' && c.channelId === infra && !c.schemeAdmin),
      ),
    ).toEqual([])
    expect(r.plan.commands.some((c) => c.kind === 'addTeamMember')).toBe(true)
    expect(r.verification?.converged).toBe(true)
    const after = (await loadSyncState(pool))._unsafeUnwrap()
    expect(
      after.channelMembers.find((m) => m.channelId === infra && m.userId === mmId('alice'))
        ?.schemeAdmin,
    ).toBe(true)
    const { removed, converged } = await settle(pool)
    rows.push({
      scenario: 'one unreadable group (external members)',
      outcome: `applied ${r.plan.commands.length}, frozen: ${unavailable.length} group(s)`,
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
    const { removed, converged } = await settle(pool)
    rows.push({
      scenario: 'Postgres dropped mid-apply',
      outcome: `applyFailed (${error.cause.error.kind}), rolled back`,
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
    const kinds = results.map((r) => (r.isOk() ? 'ran' : r.error.kind)).sort()
    expect(kinds).toEqual(['alreadyRunning', 'ran'])
    const { removed, converged } = await settle(pool)
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
    const applied = await ports.target.applyPlan(read.plan)
    expect(applied._unsafeUnwrapErr().kind).toBe('stalePlan')
    expect(memberships((await loadSyncState(pool))._unsafeUnwrap())).toEqual(before)
    const { removed, converged } = await settle(pool)
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
    expect(badConfig._unsafeUnwrapErr().kind).toBe('invalidConfig')
    const badRules = parseConfig({
      ...config,
      ldap: config.ldap,
      rules: [{ kind: 'pattern', pattern: 'mm_{nope}' }],
    })
    expect(badRules._unsafeUnwrapErr().message).toMatch(/config.rules/)
    const ldif = offlinePortsFor(
      { kind: 'postgres', client: pool },
      'dn: uid=x\nuid:: %%%not-base64\n',
    )
    const r = await runSync(ldif, config.policy, { apply: true })
    expect(r._unsafeUnwrapErr()).toMatchObject({
      kind: 'loadFailed',
      cause: {
        side: 'groups',
        error: { kind: 'ldifSyntax', message: 'fixture.ldif:2: invalid base64 value for uid' },
      },
    })
    const { removed, converged } = await settle(pool)
    rows.push({
      scenario: 'malformed config and LDIF',
      outcome: `config error; loadFailed (${r._unsafeUnwrapErr().cause.error.kind})`,
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  /** The fixture with the `member:` lines of group `cn` dropped (all, or only those naming `uid`). */
  function withoutMembers(ldif: string, cn: string, uid?: string): string {
    const start = ldif.indexOf(`dn: cn=${cn},cn=groups,`)
    expect(start).toBeGreaterThanOrEqual(0)
    const end = ldif.indexOf('\n\n', start)
    const entry = ldif.slice(start, end)
    const kept = entry
      .split('\n')
      .filter(
        (l) => !(l.startsWith('member: ') && (uid === undefined || l.includes(`uid=${uid},`))),
      )
    expect(kept.length).toBeLessThan(entry.split('\n').length)
    return ldif.slice(0, start) + kept.join('\n') + ldif.slice(end)
  }

  /** One run against a slapd serving `ldif` (started and stopped around it). */
  async function runOnVariant<T>(
    name: string,
    ldif: string,
    run: (ldap: LdapDirectoryConfig) => Promise<T>,
  ): Promise<T> {
    const file = join(workDir, `${name}.ldif`)
    await writeFile(file, ldif)
    const server = await startSlapd({ dir: join(workDir, name), ldifFile: file })
    try {
      return await run(ldapConfig({ url: server.url }))
    } finally {
      await server.stop()
    }
  }

  it('a group emptied by mistake for one run: the health gate freezes it (nothing removed), the restored run has nothing to do', async () => {
    const pool = await freshDatabase()
    const history = (await PostgresHistoryStore.open(pool))._unsafeUnwrap()
    const safety = {
      now: Date.now,
      removalGrace: { runs: 1, hours: 0 },
      healthGate: { groupShrink: 0.5, minMembers: 2, totalShrink: 0.5 },
      lastAdmin: 'guard' as const,
    }
    const withHistory = (ldap?: LdapDirectoryConfig) => ({
      ...portsFor({ kind: 'postgres', client: pool }, ldap),
      history,
    })
    const clean = (
      await runSync(withHistory(), config.policy, { apply: true, safety })
    )._unsafeUnwrap()
    expect(clean.verification?.converged).toBe(true)
    const saved = (await history.loadHistory())._unsafeUnwrap().lastGood
    expect(
      saved?.groups.find((g) => g.name === 'mm_rl_infrastructure')?.members,
    ).toBeGreaterThanOrEqual(2)

    const emptied = withoutMembers(fixtureLdif(0), 'mm_rl_infrastructure')
    const glitch = await runOnVariant('emptied', emptied, async (ldap) =>
      (await runSync(withHistory(ldap), config.policy, { apply: true, safety }))._unsafeUnwrap(),
    )
    const infraGroup = glitch.state.groups.find((g) => g.name === 'mm_rl_infrastructure')
    expect(glitch.safety.frozenGroups).toContainEqual(
      expect.objectContaining({ name: 'mm_rl_infrastructure', now: 0 }),
    )
    expect(glitch.warnings).toContainEqual(
      expect.objectContaining({ kind: 'groupShrank', groupId: infraGroup?.id, now: 0 }),
    )
    // Without the gate the same read would take alice out of ~infrastructure.
    const infra = mmId('rlinfrastructure')
    expect(
      planSync(glitch.state, config.policy).commands.some(
        (c) => c.kind === 'removeChannelMember' && c.channelId === infra,
      ),
    ).toBe(true)
    expect(glitch.plan.commands.filter((c) => c.kind.startsWith('remove'))).toEqual([])
    expect(glitch.safety.counted).toBe(false)
    expect((await history.loadHistory())._unsafeUnwrap().lastGood).toEqual(saved)
    const wrongfulAfterGlitch = await wrongful(pool)

    const restored = (
      await runSync(withHistory(), config.policy, { apply: true, safety })
    )._unsafeUnwrap()
    expect(restored.plan.commands).toEqual([])
    expect(restored.safety.frozenGroups).toEqual([])
    const { removed, converged } = await settle(pool)
    rows.push({
      scenario: 'group emptied for one run (health gate)',
      outcome: `frozen ${glitch.safety.frozenGroups.map((g) => `${g.name} ${g.then}→${g.now}`).join(', ')}; restored: nothing to do`,
      wrongfulRemovals: wrongfulAfterGlitch + removed,
      converged,
    })
    expect(wrongfulAfterGlitch + removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('a member missing from the directory for one run: pending (1 of 2 runs) under the removal grace, never removed, forgotten when back', async () => {
    const pool = await freshDatabase()
    const history = (await PostgresHistoryStore.open(pool))._unsafeUnwrap()
    // The gate off: this is the grace period's case alone (one member, no group-sized glitch).
    // Freshness off too: the glitch is another slapd, whose contextCSN is unrelated to this one's.
    const safety = {
      now: Date.now,
      removalGrace: { runs: 2, hours: 0 },
      healthGate: false as const,
      replicaFreshness: false,
      lastAdmin: 'guard' as const,
    }
    const withHistory = (ldap?: LdapDirectoryConfig) => ({
      ...portsFor({ kind: 'postgres', client: pool }, ldap),
      history,
    })
    const first = (
      await runSync(withHistory(), config.policy, { apply: true, safety })
    )._unsafeUnwrap()
    // The clean run's own removals wait their grace too: 1 of 2 runs.
    expect(first.plan.held.some((c) => c.hold.kind === 'pendingRemoval')).toBe(true)
    const rl = mmId('teamrl')
    const bob = mmId('bob')
    expect(first.plan.commands).toContainEqual(
      expect.objectContaining({ kind: 'addTeamMember', teamId: rl, userId: bob }),
    )
    // bob drops out of rl_infra_leads (his only way into rl) for one read.
    const glitch = await runOnVariant(
      'bob-missing',
      withoutMembers(fixtureLdif(0), 'rl_infra_leads', 'bob'),
      async (ldap) =>
        (await runSync(withHistory(ldap), config.policy, { apply: true, safety }))._unsafeUnwrap(),
    )
    const pendingBob = glitch.plan.held.find(
      (c) => c.kind === 'removeTeamMember' && c.teamId === rl && c.userId === bob,
    )
    expect(pendingBob?.hold).toMatchObject({ kind: 'pendingRemoval', runs: 1, of: 2 })
    expect(glitch.plan.commands.some((c) => c.userId === bob && c.kind.startsWith('remove'))).toBe(
      false,
    )
    const lostBob = memberships((await loadSyncState(pool))._unsafeUnwrap())
    expect(lostBob.has(`team:${rl}:${bob}`)).toBe(true)
    const back = (
      await runSync(withHistory(), config.policy, { apply: true, safety })
    )._unsafeUnwrap()
    expect(back.plan.commands).toEqual([])
    const pending = (await history.loadHistory())._unsafeUnwrap().pendingRemovals
    expect(pending.filter((p) => p.userId === bob)).toEqual([])
    const { removed, converged } = await settle(pool)
    rows.push({
      scenario: 'member missing for one run (grace 2)',
      outcome: 'pending 1 of 2 runs, then back: nothing removed',
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it('a replica restored from an older backup: its contextCSN went back, every removal is frozen, the run does not count', async () => {
    const pool = await freshDatabase()
    const history = (await PostgresHistoryStore.open(pool))._unsafeUnwrap()
    // The gate and grace off: the freshness marker alone must stop the removal.
    const safety = { now: Date.now, healthGate: false as const }
    const withHistory = (ldap?: LdapDirectoryConfig) => ({
      ...portsFor({ kind: 'postgres', client: pool }, ldap),
      history,
    })
    const clean = (
      await runSync(withHistory(), config.policy, { apply: true, safety })
    )._unsafeUnwrap()
    expect(clean.verification?.converged).toBe(true)
    const stored = (await history.loadHistory())._unsafeUnwrap()
    const marker = stored.lastGood?.freshness
    expect(marker?.kind).toBe('contextCSN')
    // The backup is older than the last complete run: bob was added to rl_infra_leads since. A
    // freshly loaded slapd cannot carry an old contextCSN, so the stored marker moves ahead.
    const sid = /#([0-9a-f]{3})#/.exec(marker?.value ?? '')?.[1] ?? '000'
    const ahead = {
      kind: 'contextCSN' as const,
      value: `20991231235959.000000Z#000000#${sid}#000000`,
    }
    const lastGood = { ...(stored.lastGood ?? { at: 0, users: 0, groups: [] }), freshness: ahead }
    ;(await history.saveHistory({ ...stored, lastGood }))._unsafeUnwrap()
    const rl = mmId('teamrl')
    const bob = mmId('bob')
    const restored = await runOnVariant(
      'restored-backup',
      withoutMembers(fixtureLdif(0), 'rl_infra_leads', 'bob'),
      async (ldap) =>
        (await runSync(withHistory(ldap), config.policy, { apply: true, safety }))._unsafeUnwrap(),
    )
    // Without the marker the same read would take bob out of rl.
    expect(
      planSync(restored.state, config.policy).commands.some(
        (c) => c.kind === 'removeTeamMember' && c.teamId === rl && c.userId === bob,
      ),
    ).toBe(true)
    expect(restored.plan.commands.filter((c) => c.kind.startsWith('remove'))).toEqual([])
    expect(restored.plan.held).toContainEqual(
      expect.objectContaining({ kind: 'removeTeamMember', teamId: rl, userId: bob }),
    )
    expect(restored.warnings).toContainEqual(
      expect.objectContaining({ kind: 'replicaBehind', then: ahead.value }),
    )
    expect(restored.safety.counted).toBe(false)
    expect((await history.loadHistory())._unsafeUnwrap().lastGood).toEqual(lastGood)
    const wrongfulAfterRestore = await wrongful(pool)
    const { removed, converged } = await settle(pool)
    const held = restored.plan.held.filter((c) => c.hold.kind === 'replicaBehind').length
    rows.push({
      scenario: 'replica restored from an older backup',
      outcome: `contextCSN went back: ${held} removal(s)/demotion(s) frozen, run not counted`,
      wrongfulRemovals: wrongfulAfterRestore + removed,
      converged,
    })
    expect(wrongfulAfterRestore + removed).toBe(0)
    expect(converged).toBe(true)
  })

  it("an admin group missing its only member for one run: the last-admin guard holds the team's last admin's demotion", async () => {
    const pool = await freshDatabase()
    const safety = { now: Date.now, lastAdmin: 'guard' as const }
    const ports = (ldap?: LdapDirectoryConfig) => portsFor({ kind: 'postgres', client: pool }, ldap)
    expect(
      (await runSync(ports(), config.policy, { apply: true }))._unsafeUnwrap().verification
        ?.converged,
    ).toBe(true)
    const rl = mmId('teamrl')
    const alice = mmId('alice')
    const glitch = await runOnVariant(
      'alice-not-admin',
      withoutMembers(fixtureLdif(0), 'mm_rl_admins', 'alice'),
      async (ldap) =>
        (await runSync(ports(ldap), config.policy, { apply: true, safety }))._unsafeUnwrap(),
    )
    expect(glitch.plan.held).toContainEqual(
      expect.objectContaining({
        kind: 'setTeamMemberAdmin',
        teamId: rl,
        userId: alice,
        schemeAdmin: false,
      }),
    )
    expect(glitch.plan.held.find((c) => c.userId === alice)?.hold).toEqual({
      kind: 'lastAdmin',
      syncable: { kind: 'team', id: rl },
    })
    const after = (await loadSyncState(pool))._unsafeUnwrap()
    expect(after.teamMembers.find((m) => m.teamId === rl && m.userId === alice)?.schemeAdmin).toBe(
      true,
    )
    const { removed, converged } = await settle(pool)
    rows.push({
      scenario: 'admin group emptied for one run (last admin)',
      outcome: 'demotion of the last team admin held (lastAdmin)',
      wrongfulRemovals: removed,
      converged,
    })
    expect(removed).toBe(0)
    expect(converged).toBe(true)
  })

  it("removals: 'ownOnly': members added by hand are drift, never removed; what grouproles added and no group justifies any more is", async () => {
    const pool = await freshDatabase()
    const history = (await PostgresHistoryStore.open(pool))._unsafeUnwrap()
    const safety = { now: Date.now, removals: 'ownOnly' as const, healthGate: false as const }
    const ports = (ldap?: LdapDirectoryConfig) => ({
      ...portsFor({ kind: 'postgres', client: pool }, ldap),
      history,
    })
    const before = memberships((await loadSyncState(pool))._unsafeUnwrap())
    const first = (await runSync(ports(), config.policy, { apply: true, safety }))._unsafeUnwrap()
    // The seed's members were all added by hand: the baseline's removals are drift now.
    const drift = first.plan.held.filter((c) => c.hold.kind === 'notAdded')
    expect(drift.length).toBe(baseline.filter((c) => c.kind.startsWith('remove')).length)
    expect(first.warnings).toContainEqual(expect.objectContaining({ kind: 'drift' }))
    const afterFirst = memberships((await loadSyncState(pool))._unsafeUnwrap())
    for (const key of before) expect(afterFirst.has(key)).toBe(true)
    const rl = mmId('teamrl')
    const bob = mmId('bob')
    const added = (await history.loadHistory())._unsafeUnwrap().added
    expect(added?.teams.find((t) => t.teamId === rl)?.userIds).toContain(bob)
    // bob, whom grouproles added, leaves the directory group: his removal is grouproles' to make.
    const gone = await runOnVariant(
      'bob-gone',
      withoutMembers(fixtureLdif(0), 'rl_infra_leads', 'bob'),
      async (ldap) =>
        (await runSync(ports(ldap), config.policy, { apply: true, safety }))._unsafeUnwrap(),
    )
    expect(gone.plan.commands).toContainEqual(
      expect.objectContaining({ kind: 'removeTeamMember', teamId: rl, userId: bob }),
    )
    const afterGone = memberships((await loadSyncState(pool))._unsafeUnwrap())
    const lost = [...before].filter((key) => !afterGone.has(key))
    rows.push({
      scenario: "removals: 'ownOnly' (hand-added members)",
      outcome: `${drift.length} drift held; bob (added by grouproles) removed when gone`,
      wrongfulRemovals: lost.length,
      converged: gone.verification?.converged ?? false,
    })
    expect(lost).toEqual([])
    expect(gone.verification?.converged).toBe(true)
  })

  /**
   * How a REST scenario syncs. `unconstrained`: the seed with nothing group-constrained and roles
   * synced everywhere, so nothing may be removed at all. `managed`: Team Edition (every group route
   * 501), both teams managed by the config (`manage`), the example's policy, channels found by name
   * and a membership store (PGlite): the planned removals of a clean run are allowed, any other lost
   * membership is wrongful.
   */
  type RestMode = 'unconstrained' | 'managed'

  /**
   * The Rocky Linux seed on the fake Mattermost, synced through the REST adapter. Groups come from
   * the directory in this flow, not from Mattermost's own group tables.
   */
  async function restWorld(fake: FakeMattermost, mode: RestMode) {
    const unconstrained: SyncState = {
      ...mattermostSeed,
      channelHistory: [],
      teams: mattermostSeed.teams.map((t) => ({ ...t, groupConstrained: false })),
      channels: mattermostSeed.channels.map((c) => ({ ...c, groupConstrained: false })),
    }
    const managed = mode === 'managed'
    const policy = managed ? config.policy : { ...config.policy, roleSync: 'allLinked' as const }
    const snapshot = readLdif(fixtureLdif(0), ldapConfig())._unsafeUnwrap()
    // As the group source makes them (members, rule links, the managers' admin groups).
    const { groups, links } = groupsFromDirectory(snapshot, unconstrained, {
      matchBy: config.matchBy,
      rules: config.rules,
    })
    if (managed) fake.configure({ edition: 'team' })
    fake.seed(unconstrained)
    const seeded = memberships(fake.snapshot())
    const channelIds = unconstrained.channels.map((c) => c.id)
    const client = createMattermostClient({
      url: fake.url,
      token: fake.token,
      baseDelayMs: 1,
      maxDelayMs: 20,
      maxAttempts: 3,
      timeoutMs: 5_000,
    })
    const storeDb = managed ? await PGlite.create() : undefined
    const store =
      storeDb === undefined
        ? undefined
        : (
            await client
              .getSiteIdentity()
              .andThen((site) => PostgresMembershipStore.open(fromPglite(storeDb), site))
          )._unsafeUnwrap()
    const target: TargetInput = {
      kind: 'mattermost',
      client,
      options: store === undefined ? { channelIds } : { groups: 'none', store },
    }
    const ports = syncPorts({
      directory: {
        kind: 'ldif',
        text: fixtureLdif(0),
        source: 'fixture.ldif',
        config: ldapConfig(),
      },
      target,
      matchBy: config.matchBy,
      rules: config.rules,
      ...(managed ? { manage: ['rl', 'resf'] } : {}),
    })
    // What a clean run removes on the seed (a team removal takes the team's channels with it).
    const allowed = new Set<string>()
    if (managed) {
      const clean = (await runSync(ports, policy, { apply: false }))._unsafeUnwrap().plan
      for (const c of clean.commands) {
        if (c.kind === 'removeChannelMember') allowed.add(`channel:${c.channelId}:${c.userId}`)
        if (c.kind === 'removeTeamMember') {
          allowed.add(`team:${c.teamId}:${c.userId}`)
          for (const ch of unconstrained.channels.filter((x) => x.teamId === c.teamId))
            allowed.add(`channel:${ch.id}:${c.userId}`)
        }
      }
      expect(allowed.has(`team:${mmId('teamrl')}:${mmId('frank')}`)).toBe(true)
    }
    const lost = () => {
      const now = memberships(fake.snapshot())
      return [...seeded].filter((k) => !now.has(k) && !allowed.has(k)).length
    }
    /** Faults off, then clean runs until one verifies; the final state must plan to nothing. */
    const converge = async (): Promise<boolean> => {
      fake.clearFaults()
      let converged = false
      for (let i = 0; i < 3 && !converged; i++) {
        const r = await runSync(ports, policy, { apply: true })
        converged =
          r.isOk() && (r.value.verification?.converged ?? r.value.plan.commands.length === 0)
      }
      const final = (
        await loadViaApi(client, managed ? { groups: 'none' } : { channelIds })
      )._unsafeUnwrap()
      expect(final.teamMembers.length).toBe(
        new Set(final.teamMembers.map((m) => `${m.teamId}:${m.userId}`)).size,
      )
      if (managed)
        expect(
          (await runSync(ports, policy, { apply: false }))._unsafeUnwrap().plan.commands,
        ).toEqual([])
      else expect(planSync({ ...final, groups, links }, policy).commands).toEqual([])
      return converged
    }
    const faultyRun = async (): Promise<ApplyReport> => {
      const r = (await runSync(ports, policy, { apply: true, verify: false }))._unsafeUnwrap()
      if (r.applied === undefined) throw new Error('the faulty run applied nothing')
      return r.applied
    }
    /** After the faulty run: converge, count what was lost on both sides of it, record the row. */
    const settle = async (scenario: string, outcome: string): Promise<void> => {
      const lostAfterFault = lost()
      const converged = await converge()
      const removals = lostAfterFault + lost()
      rows.push({
        scenario: managed ? `${scenario} (managed, Team Edition)` : scenario,
        outcome,
        wrongfulRemovals: removals,
        converged,
      })
      expect(removals).toBe(0)
      expect(converged).toBe(true)
      expect(fake.violations).toEqual([])
    }
    return {
      faultyRun,
      settle,
      ports,
      policy,
      close: async () => {
        await storeDb?.close()
      },
    }
  }

  type RestWorld = Awaited<ReturnType<typeof restWorld>>

  /** A fresh fake Mattermost with the REST world on it, closed whatever the scenario does. */
  async function withRestWorld(
    scenario: (fake: FakeMattermost, world: RestWorld) => Promise<void>,
    mode: RestMode = 'unconstrained',
  ): Promise<void> {
    const fake = await FakeMattermost.start()
    let world: RestWorld | undefined
    try {
      world = await restWorld(fake, mode)
      await scenario(fake, world)
    } finally {
      await world?.close()
      await fake.close()
    }
  }

  const restModes: readonly RestMode[] = ['unconstrained', 'managed']

  const teamBatch = (teamId: string) => (method: string, path: string) =>
    method === 'POST' && path === `/api/v4/teams/${teamId}/members/batch`
  const requestsTo = (fake: FakeMattermost, method: string, path: string) =>
    fake.requests.filter((r) => r.method === method && r.path === path).length
  const outcomeCounts = (report: ApplyReport) => {
    const failed = report.outcomes.filter((o) => o.kind === 'failed').length
    return `${report.outcomes.length - failed} done or already, ${failed} failed`
  }

  it.each(restModes)(
    'Mattermost answering 429: retried after the wait, every command done, nothing lost [%s]',
    async (mode) => {
      await withRestWorld(async (fake, world) => {
        const path = `/api/v4/teams/${mmId('teamresf')}/members/batch`
        fake.failNext({ kind: 'rateLimit', retryAfterSeconds: 0 }, 2, teamBatch(mmId('teamresf')))
        const report = await world.faultyRun()
        expect(report.outcomes.filter((o) => o.kind === 'failed')).toEqual([])
        expect(report.outcomes.length).toBeGreaterThan(0)
        // Two 429s, then the batch went through: three attempts on the same request.
        expect(requestsTo(fake, 'POST', path)).toBe(3)
        await world.settle('Mattermost 429', `retried: ${outcomeCounts(report)}`)
      }, mode)
    },
  )

  it.each(restModes)(
    'Mattermost answering 5xx: a transient one is retried, a persistent one fails that command (http 503); re-runs converge [%s]',
    async (mode) => {
      await withRestWorld(async (fake, world) => {
        // Transient: one 503 on the resf team batch, retried.
        fake.failNext({ kind: 'serverError', status: 503 }, 1, teamBatch(mmId('teamresf')))
        // Persistent: alice's promotion in rl answers 503 on all 3 attempts.
        const promote = `/api/v4/teams/${mmId('teamrl')}/members/${mmId('alice')}/schemeRoles`
        fake.failNext(
          { kind: 'serverError', status: 503 },
          3,
          (method, path) => method === 'PUT' && path === promote,
        )
        const report = await world.faultyRun()
        const failed = report.outcomes.filter((o) => o.kind === 'failed')
        expect(failed).toHaveLength(1)
        expect(failed).toMatchObject([
          {
            kind: 'failed',
            command: expect.objectContaining({
              kind: 'setTeamMemberAdmin',
              teamId: mmId('teamrl'),
              userId: mmId('alice'),
            }) as unknown,
            error: expect.objectContaining({ kind: 'http', status: 503 }) as unknown,
          },
        ])
        expect(requestsTo(fake, 'PUT', promote)).toBe(3)
        expect(
          report.outcomes.find(
            (o) => o.command.kind === 'addTeamMember' && o.command.userId === mmId('dave'),
          )?.kind,
        ).toBe('done')
        await world.settle('Mattermost 5xx', `${outcomeCounts(report)} (http 503)`)
      }, mode)
    },
  )

  it.each(restModes)(
    'Mattermost resetting connections (before and after applying): retried, no duplicates; re-runs converge [%s]',
    async (mode) => {
      await withRestWorld(async (fake, world) => {
        // Dropped before the server handled it, and dropped after it applied (the retry finds it done).
        fake.failNext({ kind: 'reset' }, 1, teamBatch(mmId('teamresf')))
        const board = `/api/v4/channels/${mmId('resfboard')}/members`
        fake.failNext(
          { kind: 'resetAfterApply' },
          1,
          (method, path) => method === 'POST' && path === board,
        )
        const report = await world.faultyRun()
        expect(report.outcomes.filter((o) => o.kind === 'failed')).toEqual([])
        expect(requestsTo(fake, 'POST', board)).toBe(2)
        expect(
          fake
            .snapshot()
            .channelMembers.filter((m) => m.channelId === mmId('resfboard'))
            .map((m) => m.userId)
            .sort(),
        ).toEqual([mmId('alice'), mmId('dave'), mmId('erin')])
        await world.settle('Mattermost connection resets', `retried: ${outcomeCounts(report)}`)
      }, mode)
    },
  )

  it('a user who left a channel: not re-added on the next REST run (the store remembers), and re-added with reAddRemovedMembers: true', async () => {
    await withRestWorld(async (fake, world) => {
      const first = (await runSync(world.ports, world.policy, { apply: true }))._unsafeUnwrap()
      expect(first.verification?.converged).toBe(true)
      // alice was added to resf/board by the run; she leaves it in Mattermost.
      const board = mmId('resfboard')
      expect(fake.channelMembers.get(board)?.has(mmId('alice'))).toBe(true)
      fake.removeChannelMember(board, mmId('alice'))
      const next = (await runSync(world.ports, world.policy, { apply: true }))._unsafeUnwrap()
      const readds = next.plan.commands.filter(
        (c) => c.kind === 'addChannelMember' && c.channelId === board && c.userId === mmId('alice'),
      )
      expect(readds).toEqual([])
      expect(fake.channelMembers.get(board)?.has(mmId('alice'))).toBe(false)
      rows.push({
        scenario: 'a user left a channel (REST, store)',
        outcome: `not re-added: ${next.plan.commands.length} commands`,
        wrongfulRemovals: 0,
        converged: next.verification?.converged ?? next.plan.commands.length === 0,
      })
      // The same memory, with re-adds allowed: she is planned back in.
      const again = (
        await runSync(world.ports, { ...world.policy, reAddRemovedMembers: true }, { apply: false })
      )._unsafeUnwrap()
      expect(
        again.plan.commands.filter(
          (c) =>
            c.kind === 'addChannelMember' && c.channelId === board && c.userId === mmId('alice'),
        ),
      ).toHaveLength(1)
      expect(fake.violations).toEqual([])
    }, 'managed')
  })
})
