import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { emptyState, planSync, type SyncCommand } from '@grouproles/core'
import {
  finishRun,
  getRun,
  listRunCommands,
  listRuns,
  migrate,
  PostgresMembershipStore,
  recordCommands,
  startRun,
  withRunLock,
  type PostgresClient,
  type RunCommand,
} from '../src/index.js'
import * as q from '../src/queries.js'
import { must } from './contract.js'
import { emptyDatabases, type EmptyDatabase } from './empty-databases.js'

const siteId = 'k3x9site0000000000000000aa'

const commands: readonly RunCommand[] = [
  {
    command: { kind: 'addTeamMember', teamId: 't1', userId: 'u1', role: 'member' },
    reason: 'in group staff linked to team one',
    outcome: 'done',
  },
  {
    command: { kind: 'removeChannelMember', channelId: 'c1', userId: 'u2' },
    outcome: 'already',
  },
]

async function tablesOf(client: PostgresClient): Promise<string[]> {
  const rows = await client.query({
    text: `SELECT table_schema || '.' || table_name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    rowMode: 'array',
  })
  return (rows.rows as unknown[][]).map((r) => String(r[0]))
}

function describeJournal(database: EmptyDatabase): void {
  describe(`run journal on ${database.name} without Mattermost tables`, () => {
    let client: PostgresClient
    beforeAll(async () => {
      const connected = await database.connect()
      client = connected.client
      return connected.close
    })
    beforeEach(async () => {
      await client.query({ text: 'DROP SCHEMA IF EXISTS grouproles CASCADE' })
    })

    it('should journal a REST run: start, commands, finish, list', async () => {
      const store = await must(PostgresMembershipStore.open(client, { siteId, siteUrl: '' }))
      // Opening the store runs every migration, so the history store's tables are there too.
      expect(await tablesOf(client)).toEqual(
        expect.arrayContaining([
          'grouproles.meta',
          'grouproles.remembered_memberships',
          'grouproles.run_commands',
          'grouproles.runs',
          'grouproles.schema_migrations',
        ]),
      )
      const plan = planSync(emptyState)
      const runId = await must(
        withRunLock(client, 'grouproles-sync', () =>
          startRun(client, { ...plan, target: 'rest', siteId: store.site.siteId }).andThen((id) =>
            recordCommands(client, id, commands)
              .andThen(() =>
                finishRun(client, id, { outcome: 'applied', timings: { applyMs: 12 } }),
              )
              .map(() => id),
          ),
        ),
      )
      const [run] = await must(listRuns(client, { limit: 1 }))
      expect(run).toMatchObject({
        id: runId,
        target: 'rest',
        siteId,
        outcome: 'applied',
        fingerprint: plan.fingerprint,
        timings: { applyMs: 12 },
        commandCount: 2,
      })
      expect(await must(listRunCommands(client, runId))).toEqual(commands)
      expect(await must(listRuns(client, { siteId }))).toHaveLength(1)
      expect(await must(listRuns(client, { siteId: 'another-site' }))).toEqual([])
    })

    it('should read one run by id, and none without a journal or of an unknown id', async () => {
      // No schema yet: no run, and nothing created.
      expect(await must(getRun(client, 1))).toBeUndefined()
      expect(await tablesOf(client)).not.toContain('grouproles.runs')
      await must(migrate(client))
      const before = { teamMembers: [], channelMembers: [] }
      const runId = await must(
        startRun(client, { ...planSync(emptyState), summary: { before } }).andThen((id) =>
          recordCommands(client, id, commands).map(() => id),
        ),
      )
      const run = await must(getRun(client, runId))
      expect(run).toMatchObject({ id: runId, target: 'database', commandCount: 2 })
      expect(run?.summary).toMatchObject({ before })
      expect(await must(getRun(client, runId + 1))).toBeUndefined()
    })

    it('should record a run without a target as a database run with no site', async () => {
      await must(migrate(client))
      const runId = await must(startRun(client, planSync(emptyState)))
      const [run] = await must(listRuns(client))
      expect(run?.id).toBe(runId)
      expect(run?.target).toBe('database')
      expect(run).not.toHaveProperty('siteId')
    })

    it('should upgrade a journal of version 1, keeping its runs as database runs', async () => {
      for (const sql of [...q.createMigrationsTable, ...(q.migrations[0]?.sql ?? [])])
        await client.query({ text: sql })
      await client.query({ text: q.insertMigration, values: [1] })
      await client.query({
        text: `INSERT INTO grouproles.runs (plan_summary, outcome) VALUES ('{}', 'applied')`,
      })
      expect(await must(migrate(client))).toEqual(
        q.migrations.filter((m) => m.version > 1).map((m) => m.version),
      )
      const [old] = await must(listRuns(client))
      expect(old).toMatchObject({ outcome: 'applied', target: 'database', commandCount: 0 })
      const command: SyncCommand = {
        kind: 'addTeamMember',
        teamId: 't',
        userId: 'u',
        role: 'admin',
      }
      const runId = await must(
        startRun(client, { ...planSync(emptyState), target: 'rest', siteId }),
      )
      await must(recordCommands(client, runId, [{ command, outcome: 'failed' }]))
      expect((await must(listRuns(client))).map((r) => [r.target, r.commandCount])).toEqual([
        ['rest', 1],
        ['database', 0],
      ])
    })
  })
}

for (const database of emptyDatabases()) describeJournal(database)
