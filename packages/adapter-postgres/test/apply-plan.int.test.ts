/** `applyPlan` of a revert (`context.revert`) on PGlite: admitted against the run, never stale. */
import { PGlite } from '@electric-sql/pglite'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  applyPlan as modelApplyPlan,
  normalizeState,
  planRevert,
  planSync,
  runBeforeOf,
  type SyncCommand,
  type SyncState,
} from '@grouproles/core'
import { syncStateArb } from '@grouproles/core/testing'
import { applyPlan, fromPglite, loadSyncState, type PostgresClient } from '../src/index.js'
import { createMattermostSchema, writeSyncState } from '../src/testing/index.js'
import { must, storable, withDefaultChannels } from './contract.js'

const tables =
  'users, bots, usergroups, groupmembers, groupteams, groupchannels, teams, channels, teammembers, channelmembers, channelmemberhistory'

/** The membership rows: what a revert restores (groups, links and history are not its business). */
function rows(s: SyncState): Pick<SyncState, 'teamMembers' | 'channelMembers'> {
  const n = normalizeState(s)
  return {
    teamMembers: n.teamMembers.filter((m) => m.deleted !== true),
    channelMembers: n.channelMembers,
  }
}

describe('applyPlan of a revert (PGlite)', () => {
  let db: PGlite
  let client: PostgresClient
  beforeAll(async () => {
    db = await PGlite.create()
    client = fromPglite(db)
    await must(createMattermostSchema(client))
  })
  afterAll(() => db.close())

  it('should apply any run’s revert as core models it, with either check, and refuse it as a sync’s plan when a re-add has no link', async () => {
    // A run planned and applied (core's model of it) from a state whose default channels are
    // flagged as the database reads them; the database then holds the state after the run.
    const runArb = syncStateArb().map((drawn) => {
      const s0 = withDefaultChannels(drawn)
      const commands: SyncCommand[] = [...planSync(s0).commands]
      const s1 = storable(modelApplyPlan(s0, commands))
      return { applied: { commands, before: runBeforeOf(s0, commands) }, s1 }
    })
    let reAdds = 0
    await fc.assert(
      fc.asyncProperty(
        // Half the runs remove a team member, so every seed meets re-adds (the case a revert is for).
        fc.oneof(
          runArb,
          runArb.filter((r) => r.applied.commands.some((c) => c.kind === 'removeTeamMember')),
        ),
        fc.constantFrom('touched', 'fingerprint'),
        async (run, check) => {
          await client.query({ text: `TRUNCATE ${tables}` })
          await must(writeSyncState(client, run.s1, { now: 1_700_000_000_000 }))
          const live = await must(loadSyncState(client))
          const { plan } = planRevert(run.applied, live, {
            limits: { maxRemovals: Infinity, maxRemovalFraction: 1 },
          })
          const expected = rows(modelApplyPlan(live, plan.commands))
          const revertPlanOf = {
            commands: plan.commands,
            targetFingerprint: plan.targetFingerprint,
          }
          // As a sync's plan, a re-add no group justifies is refused, nothing written.
          const unjustified = plan.commands.some((c) => c.kind === 'addTeamMember')
          if (unjustified) {
            reAdds++
            const asSync = await applyPlan(client, revertPlanOf, {
              check,
              context: { groupLoad: { groups: [], links: [], managed: [] } },
            })
            expect(asSync._unsafeUnwrapErr().kind).toBe('inadmissibleCommands')
          }
          const applied = await applyPlan(client, revertPlanOf, {
            check,
            context: { revert: run.applied },
          })
          expect(applied.isOk(), applied.isErr() ? applied.error.message : '').toBe(true)
          expect(rows(await must(loadSyncState(client)))).toEqual(expected)
        },
      ),
      { numRuns: 25 },
    )
    // The property met re-adds (the case a revert exists for), not only removals.
    expect(reAdds).toBeGreaterThan(0)
  })

  it('should not call stale the removal of a default channel the revert’s own team re-add joins', async () => {
    const id = (name: string): string => name.padEnd(26, '0')
    const [team, alice] = [id('team'), id('alice')]
    const channel = (name: string, type: 'O' | 'P') => ({
      id: id(name.replace('-', '')),
      teamId: team,
      name,
      type,
      groupConstrained: false,
    })
    const [square, offTopic, ops] = [
      channel('town-square', 'O'),
      channel('off-topic', 'O'),
      channel('ops', 'P'),
    ]
    const row = { userId: alice, schemeGuest: false }
    // Alice was a team admin in ~ops and town-square, never in off-topic; the run removed her.
    const s0 = withDefaultChannels({
      users: [{ id: alice, username: 'alice', systemRole: 'user' }],
      groups: [],
      links: [],
      teams: [{ id: team, name: 'team', groupConstrained: false }],
      channels: [square, offTopic, ops],
      teamMembers: [{ teamId: team, ...row, schemeAdmin: true }],
      channelMembers: [
        { channelId: square.id, ...row, schemeAdmin: false },
        { channelId: ops.id, ...row, schemeAdmin: true },
      ],
      channelHistory: [],
    })
    const commands: SyncCommand[] = [{ kind: 'removeTeamMember', teamId: team, userId: alice }]
    const applied = { commands, before: runBeforeOf(s0, commands) }
    for (const check of ['touched', 'fingerprint'] as const) {
      await client.query({ text: `TRUNCATE ${tables}` })
      await must(writeSyncState(client, storable(modelApplyPlan(s0, commands)), { now: 1 }))
      const { plan } = planRevert(applied, await must(loadSyncState(client)))
      expect(plan.commands.map((c) => [c.kind, 'channelId' in c ? c.channelId : c.teamId])).toEqual(
        [
          ['addTeamMember', team],
          ['addChannelMember', ops.id],
          ['removeChannelMember', offTopic.id],
        ],
      )
      await must(
        applyPlan(
          client,
          { commands: plan.commands, targetFingerprint: plan.targetFingerprint },
          { check, context: { revert: applied } },
        ),
      )
      expect(rows(await must(loadSyncState(client)))).toEqual(rows(s0))
    }
  })
})
