/**
 * `grouproles revert` end to end, the built bin spawned as a user runs it, over both targets: a
 * real PostgreSQL Mattermost (`DATABASE_URL`, journal in its grouproles schema) and the REST API
 * (the exported fake, journal in the PGlite store). A run removes 20 members (team and channel
 * admins, guests); its revert brings them back with their roles; the revert of the revert removes
 * them again; a user deactivated and a channel archived since the run are listed, not forced.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelMember, SyncState, TeamMember, User } from '@grouproles/core'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import {
  finishRun,
  loadSyncState,
  migrate,
  recordCommands,
  startRun,
} from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import {
  requirePgBin,
  startPostgres,
  type RunningPostgres,
} from '../../../adapter-postgres/test/start-postgres.js'
import { assets, schemaErrors, spawnBin, tempDir } from '../support/cli.js'

const pgBin = requirePgBin('revert integration test')

const demo = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState
const rl = 'teamrl00000000000000000000'
const infrastructure = 'rlinfrastructure0000000000'
const townSquare = 'rltownsquare00000000000000'
const builds = 'rlbuilds000000000000000000'
const offTopic = 'rlofftopic0000000000000000'

/** 20 members of team rl in no directory group: a managed team's sync removes them all. */
const extras: readonly User[] = Array.from({ length: 20 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0')
  const guest = i % 4 === 1
  return {
    id: `x${n}`.padEnd(26, '0'),
    username: `x${n}`,
    email: `x${n}@rockylinux.org`,
    systemRole: guest ? 'guest' : 'user',
  }
})
const isGuest = (u: User): boolean => u.systemRole === 'guest'
// Mattermost gives a guest no admin role: every fifth non-guest is one.
const isAdmin = (i: number): boolean => i % 5 === 0 && i % 4 !== 1
const lastExtra = extras[19] as User

/**
 * The demo on Team Edition (nothing constrained by Mattermost; the config manages rl) with the
 * extras: every one in rl (every fifth an admin unless a guest, every fourth from the second a
 * guest), in
 * ~infrastructure (admins there too), the non-guests in town-square, the first four in ~builds,
 * every third non-guest in off-topic.
 */
const seed: SyncState = {
  ...demo,
  users: [...demo.users, ...extras],
  teams: demo.teams.map((t) => ({ ...t, groupConstrained: false })),
  channels: [
    ...demo.channels.map((c) => ({ ...c, groupConstrained: false })),
    { id: builds, teamId: rl, name: 'builds', type: 'O', groupConstrained: false },
    // A default channel the team re-adds join: the revert takes out those who were not in it.
    { id: offTopic, teamId: rl, name: 'off-topic', type: 'O', groupConstrained: false },
  ],
  teamMembers: [
    ...demo.teamMembers,
    ...extras.map((u, i): TeamMember => ({
      teamId: rl,
      userId: u.id,
      schemeAdmin: isAdmin(i),
      schemeGuest: isGuest(u),
    })),
  ],
  channelMembers: [
    ...demo.channelMembers,
    ...extras.flatMap((u, i): ChannelMember[] => [
      { channelId: infrastructure, userId: u.id, schemeAdmin: isAdmin(i), schemeGuest: isGuest(u) },
      ...(isGuest(u)
        ? []
        : [{ channelId: townSquare, userId: u.id, schemeAdmin: false, schemeGuest: false }]),
      ...(i < 4
        ? [{ channelId: builds, userId: u.id, schemeAdmin: false, schemeGuest: isGuest(u) }]
        : []),
      ...(i % 3 === 0 && !isGuest(u)
        ? [{ channelId: offTopic, userId: u.id, schemeAdmin: false, schemeGuest: false }]
        : []),
    ]),
  ],
}

const extraIds = new Set(extras.map((u) => u.id))

/** The extras' live rows as `team|channel:syncable:user` → `admin,guest`. */
function extraRows(s: SyncState): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of s.teamMembers)
    if (m.deleted !== true && extraIds.has(m.userId))
      out.set(`team:${m.teamId}:${m.userId}`, `${m.schemeAdmin},${m.schemeGuest}`)
  for (const m of s.channelMembers)
    if (extraIds.has(m.userId))
      out.set(`channel:${m.channelId}:${m.userId}`, `${m.schemeAdmin},${m.schemeGuest}`)
  return out
}

/** The seed's extra rows but the deactivated user's and ~builds' (listed, not restored). */
function restorable(): Map<string, string> {
  const rows = extraRows(seed)
  for (const k of [...rows.keys()])
    if (k.endsWith(`:${lastExtra.id}`) || k.startsWith(`channel:${builds}:`)) rows.delete(k)
  return rows
}

/** The demo config managing rl and resf, with limits that let a 20-member removal through. */
function writeConfig(dir: string, extra: Record<string, unknown> = {}): void {
  const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as {
    policy: object
  }
  writeFileSync(
    join(dir, 'grouproles.json'),
    JSON.stringify({
      ...config,
      manage: ['rl', 'resf'],
      policy: { ...config.policy, limits: { maxRemovals: 100, maxRemovalFraction: 1 } },
      ...extra,
    }),
  )
}

interface RevertDoc {
  readonly kind: 'revert'
  readonly runId: number
  readonly run: { readonly rolesRecorded: boolean; readonly target: string }
  readonly changes: boolean
  readonly commands: readonly {
    kind: string
    userId: string
    teamId?: string
    channelId?: string
    role?: string
  }[]
  readonly held: readonly unknown[]
  readonly notRevertible: readonly {
    command: { kind: string; userId: string; channelId?: string; teamId?: string }
    reason: { kind: string }
    message: string
  }[]
}

/** A target under test: the env to reach it, its state now, and what changes behind the sync. */
interface Target {
  readonly env: Record<string, string>
  readonly journalTarget: 'database' | 'rest'
  state(): Promise<SyncState>
  /** Deactivates a user and archives ~builds, as an admin would between the run and its revert. */
  deactivateAndArchive(): Promise<void>
  /** The run summaries posted so far (`notify`), when the config asks for them. */
  posts?(): readonly string[]
}

/** The whole story on one target; returns nothing, asserts everything. */
async function revertStory(target: Target, cwd: string): Promise<void> {
  const env = target.env
  const args = ['--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]
  const config = ['--config', 'grouproles.json']

  // Run 1: the sync removes the 20 extras (with their channel rows: the team removal takes them).
  const planned = await spawnBin(['plan', ...args, '--out', 'p1.json', '--json'], { cwd, env })
  expect(planned.code, planned.stderr).toBe(0)
  const plan = JSON.parse(planned.stdout) as { commands: { kind: string; userId: string }[] }
  expect(
    plan.commands
      .filter((c) => c.kind === 'removeTeamMember' && extraIds.has(c.userId))
      .map((c) => c.userId)
      .sort(),
  ).toEqual([...extraIds].sort())
  const applied = await spawnBin(['apply', 'p1.json', ...args, '--json'], { cwd, env })
  expect(applied.code, applied.stderr).toBe(0)
  expect(extraRows(await target.state())).toEqual(new Map())

  await target.deactivateAndArchive()

  // The revert of run 1: re-adds with the old roles; the deactivated user and ~builds listed.
  const reverted = await spawnBin(
    ['revert', '1', ...config, '--out', 'r1.json', '--json', '--detailed-exitcode'],
    { cwd, env },
  )
  expect(reverted.code, reverted.stderr).toBe(2)
  const doc = JSON.parse(reverted.stdout) as RevertDoc
  expect(await schemaErrors('revert-output', doc)).toEqual([])
  expect(doc).toMatchObject({
    kind: 'revert',
    runId: 1,
    changes: true,
    run: { rolesRecorded: true, target: target.journalTarget },
  })
  expect(doc.held).toEqual([])
  const teamAdds = new Map(
    doc.commands
      .filter((c) => c.kind === 'addTeamMember' && extraIds.has(c.userId))
      .map((c) => [c.userId, c.role]),
  )
  expect(teamAdds).toEqual(
    new Map(
      extras
        .slice(0, 19)
        .map((u, i) => [u.id, isGuest(u) ? 'guest' : isAdmin(i) ? 'admin' : 'member']),
    ),
  )
  const listed = doc.notRevertible.map(
    (n) => `${n.command.kind}:${n.reason.kind}:${n.command.userId}`,
  )
  expect(listed).toContain(`addTeamMember:userDeactivated:${lastExtra.id}`)
  const buildsListed = doc.notRevertible.filter((n) => n.command.channelId === builds)
  expect(buildsListed.map((n) => n.command.userId).sort()).toEqual(
    extras.slice(0, 4).map((u) => u.id),
  )
  for (const n of buildsListed)
    expect(['syncableArchived', 'syncableUnknown']).toContain(n.reason.kind)
  // No command touches what is listed.
  expect(doc.commands.filter((c) => c.userId === lastExtra.id || c.channelId === builds)).toEqual(
    [],
  )
  const text = await spawnBin(['revert', '1', ...config], { cwd, env })
  expect(text.code, text.stderr).toBe(0)
  expect(text.stdout).toContain('Revert of run 1')
  expect(text.stdout).toMatch(/Not revertible \(\d+\), listed, never forced:/)
  expect(text.stdout).toContain(
    `re-add as member ${lastExtra.username} in team rl: the user is deactivated`,
  )

  const shown = await spawnBin(['show', 'r1.json'], { cwd })
  expect(shown.stdout).toContain('Revert of run 1')

  // Applying it needs no directory: the extras are back with their roles (run 2).
  const undone = await spawnBin(['apply', 'r1.json', ...config, '--json'], { cwd, env })
  expect(undone.code, undone.stderr + undone.stdout).toBe(0)
  const undoneDoc = JSON.parse(undone.stdout) as { revertOf: number; summary: { failed: number } }
  expect(await schemaErrors('apply-output', undoneDoc)).toEqual([])
  expect(undoneDoc).toMatchObject({ revertOf: 1, summary: { failed: 0 } })
  expect(extraRows(await target.state())).toEqual(restorable())
  if (target.posts !== undefined) {
    // The revert's apply is a run like any: its summary names it, to revert in turn.
    const last = target.posts().at(-1) ?? ''
    expect(last).toMatch(/^#### grouproles run 2\n/)
    expect(last).toContain('grouproles revert 2')
  }

  // Applied twice: every command is no longer part of undoing run 1 (stale, exit 1).
  const twice = await spawnBin(['apply', 'r1.json', ...config], { cwd, env })
  expect(twice.code).toBe(1)
  expect(twice.stderr).toMatch(/no longer part of undoing run 1/)
  expect(twice.stderr).not.toMatch(/\n\s+at /)

  // The revert of the revert (run 2) removes them again: the run's result is back.
  const again = await spawnBin(['revert', '2', ...config, '--out', 'r2.json', '--json'], {
    cwd,
    env,
  })
  expect(again.code, again.stderr).toBe(0)
  const againDoc = JSON.parse(again.stdout) as RevertDoc
  expect(
    againDoc.commands
      .filter((c) => c.kind === 'removeTeamMember' && extraIds.has(c.userId))
      .map((c) => c.userId)
      .sort(),
  ).toEqual(extras.slice(0, 19).map((u) => u.id))
  const redone = await spawnBin(['apply', 'r2.json', ...config], { cwd, env })
  expect(redone.code, redone.stderr).toBe(0)
  expect(redone.stdout).toContain('Applied the revert of run 2')
  expect(extraRows(await target.state())).toEqual(new Map())

  // What cannot be reverted is refused with one line and exit 2.
  for (const [id, pattern] of [
    ['99', /run 99 is not in the journal/],
    ['0', /"0" is not a run id/],
  ] as const) {
    const bad = await spawnBin(['revert', id, ...config], { cwd, env })
    expect([bad.code, bad.stderr.trim().split('\n').length]).toEqual([2, 1])
    expect(bad.stderr).toMatch(pattern)
  }
}

describe.skipIf(pgBin === undefined)('grouproles revert', { timeout: 300_000 }, () => {
  let postgres: RunningPostgres
  let admin: pg.Pool

  beforeAll(async () => {
    postgres = await startPostgres(pgBin as string)
    admin = new pg.Pool({ connectionString: postgres.url('postgres'), max: 1 })
  }, 120_000)

  afterAll(async () => {
    for (const step of [() => admin.end(), () => postgres.stop()])
      await Promise.resolve()
        .then(step)
        .catch(() => undefined)
  })

  it('should undo a run that removed 20 members on a PostgreSQL Mattermost, and redo it', async () => {
    await admin.query('CREATE DATABASE mm_revert')
    const pool = new pg.Pool({ connectionString: postgres.url('mm_revert'), max: 2 })
    try {
      ;(
        await createMattermostSchema(pool).andThen(() =>
          writeSyncState(pool, seed, { now: 1_764_000_000_000 }),
        )
      )._unsafeUnwrap()
      const cwd = tempDir()
      writeConfig(cwd)
      await revertStory(
        {
          env: { DATABASE_URL: postgres.url('mm_revert') },
          journalTarget: 'database',
          state: async () => (await loadSyncState(pool))._unsafeUnwrap(),
          deactivateAndArchive: async () => {
            await pool.query('UPDATE users SET deleteat = 1764000000001 WHERE id = $1', [
              lastExtra.id,
            ])
            await pool.query('UPDATE channels SET deleteat = 1764000000001 WHERE id = $1', [builds])
          },
        },
        cwd,
      )
      // The journal in Mattermost's database: the run, its revert (marked) and the revert's.
      const runs = await pool.query<{ id: number; outcome: string; revert_of: unknown }>(
        `SELECT id::integer, outcome, plan_summary->'revertOf' AS revert_of FROM grouproles.runs ORDER BY id`,
      )
      expect(runs.rows).toEqual([
        { id: 1, outcome: 'applied', revert_of: null },
        { id: 2, outcome: 'applied', revert_of: 1 },
        { id: 3, outcome: 'applied', revert_of: 2 },
      ])

      // A run that applied nothing, and one whose record of the rows before it is unreadable.
      const stats = {
        users: 0,
        groups: 0,
        syncables: 0,
        constrainedSyncables: 0,
        liveLinks: 0,
        activeMemberships: 0,
        commands: {
          setTeamMemberAdmin: 0,
          setChannelMemberAdmin: 0,
          addTeamMember: 0,
          addChannelMember: 0,
          removeChannelMember: 0,
          removeTeamMember: 0,
        },
        held: 0,
        leftToMattermost: 0,
        warnings: 0,
      }
      const fp = '0000000000000000'
      ;(await migrate(pool))._unsafeUnwrap()
      const refused = (
        await startRun(pool, { stats, fingerprint: fp, targetFingerprint: fp }).andThen((id) =>
          finishRun(pool, id, { outcome: 'refused' }).map(() => id),
        )
      )._unsafeUnwrap()
      const garbled = (
        await startRun(pool, {
          stats,
          fingerprint: fp,
          targetFingerprint: fp,
          summary: { before: { teamMembers: 'not rows' } },
        }).andThen((id) => finishRun(pool, id, { outcome: 'applied' }).map(() => id))
      )._unsafeUnwrap()
      const env = { DATABASE_URL: postgres.url('mm_revert') }
      for (const [id, pattern] of [
        [refused, /ended refused: it applied nothing/],
        [garbled, /the journal's record of the rows before the run is not readable/],
      ] as const) {
        const bad = await spawnBin(
          ['revert', String(id), '--config', 'grouproles.json', '--json'],
          {
            cwd,
            env,
          },
        )
        expect(bad.code, bad.stdout).toBe(2)
        const error = JSON.parse(bad.stdout) as { error: { message: string } }
        expect(await schemaErrors('error-output', error)).toEqual([])
        expect(error.error.message).toMatch(pattern)
      }

      // A run journalled without the rows before it (an older grouproles): its removal is listed.
      const first = extras[0] as User
      const old = (
        await startRun(pool, { stats, fingerprint: fp, targetFingerprint: fp }).andThen((id) =>
          recordCommands(pool, id, [
            {
              command: { kind: 'removeTeamMember', teamId: rl, userId: first.id },
              outcome: 'done',
            },
          ])
            .andThen(() => finishRun(pool, id, { outcome: 'applied' }))
            .map(() => id),
        )
      )._unsafeUnwrap()
      const unknown = await spawnBin(['revert', String(old), '--config', 'grouproles.json'], {
        cwd,
        env,
      })
      expect(unknown.code, unknown.stderr).toBe(0)
      expect(unknown.stdout).toContain(
        'WARNING: the journal has no record of the roles before this run',
      )
      expect(unknown.stdout).toContain(
        `re-add ${first.username} in team rl: the journal did not record the role before the run`,
      )
    } finally {
      await pool.end()
    }
  })

  it('should undo a run that removed 20 members through the REST API, and redo it', async () => {
    const fake = await FakeMattermost.start({ settings: { edition: 'team' } })
    try {
      fake.seed(seed)
      const cwd = tempDir()
      writeConfig(cwd, { notify: { team: 'rl', channel: 'town-square' } })
      await revertStory(
        {
          env: { MATTERMOST_URL: fake.url, MATTERMOST_TOKEN: fake.token },
          journalTarget: 'rest',
          state: () => Promise.resolve(fake.snapshot()),
          posts: () => fake.posts.map((p) => p.message),
          deactivateAndArchive: () => {
            const s = fake.snapshot()
            fake.seed({
              ...s,
              users: s.users.map((u) => (u.id === lastExtra.id ? { ...u, deactivated: true } : u)),
              channels: s.channels.map((c) => (c.id === builds ? { ...c, deleted: true } : c)),
            })
            return Promise.resolve()
          },
        },
        cwd,
      )
    } finally {
      await fake.close()
    }
  })
})
