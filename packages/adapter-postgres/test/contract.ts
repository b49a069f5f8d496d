import fc from 'fast-check'
import type { ResultAsync } from 'neverthrow'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  admitCommands,
  applyContextOf,
  applyPlan as modelApplyPlan,
  emptyState,
  fingerprintTarget,
  normalizeState,
  planSync,
  withGroupLoad,
  type SyncCommand,
  type SyncState,
} from '@grouproles/core'
import {
  admittingContext,
  foreignCommandArb,
  syncCommandArb,
  syncPolicyArb,
  syncStateArb,
} from '@grouproles/core/testing'
import {
  applyPlan,
  defaultChannelNames,
  defaultNotifyProps,
  finishRun,
  listRunCommands,
  listRuns,
  loadSyncState,
  migrate,
  PostgresMembershipStore,
  PostgresSyncTarget,
  runOutcomeOf,
  startRun,
  type PostgresClient,
  type PostgresError,
} from '../src/index.js'
import { createMattermostSchema, loadScenario, writeSyncState } from '../src/testing/index.js'

/** A driver under test: how to get a client on a database of its own. */
export interface Driver {
  readonly name: string
  readonly connect: () => Promise<{
    readonly client: PostgresClient
    readonly close: () => Promise<void>
  }>
}

const tables =
  'users, bots, usergroups, groupmembers, groupteams, groupchannels, teams, channels, teammembers, channelmembers, channelmemberhistory'

const dbRuns = { numRuns: 30 }

/**
 * What the database can hold of a state, normalised: groups have no `status`/`nesting` column,
 * `managed`/`managedBy` are configuration (no Mattermost column), and a channel is a default
 * channel by its name (`names`, the list the database is read with).
 */
export function storable(
  state: SyncState,
  names: readonly string[] | undefined = defaultChannelNames,
): SyncState {
  const plain = <T extends { managed?: boolean; managedBy?: string }>(syncable: T): T => {
    const copy: { -readonly [K in keyof T]: T[K] } = { ...syncable }
    delete copy.managed
    delete copy.managedBy
    return copy
  }
  const shaped = withDefaultChannels(state, names)
  return normalizeState({
    ...shaped,
    groups: shaped.groups.map(({ id, name, memberIds, deleted }) => ({
      id,
      name,
      memberIds,
      ...(deleted === true ? { deleted } : {}),
    })),
    teams: shaped.teams.map(plain),
    channels: shaped.channels.map(plain),
  })
}

/**
 * `state` with `defaultChannel` set from the channels' names, as `loadSyncState` sets it: the
 * state to plan from, so the plan anticipates the joins the database will make.
 */
export function withDefaultChannels(
  state: SyncState,
  names: readonly string[] | undefined = defaultChannelNames,
): SyncState {
  return {
    ...state,
    channels: state.channels.map((c) => {
      const copy = { ...c }
      delete copy.defaultChannel
      return names.includes(c.name) ? { ...copy, defaultChannel: true } : copy
    }),
  }
}

/**
 * A state whose channels are often named town-square or off-topic, and the default-channel names
 * to read and apply it with (undefined: the adapter's default).
 */
function defaultChannelStateArb(): fc.Arbitrary<{
  readonly state: SyncState
  readonly names: readonly string[] | undefined
}> {
  return syncStateArb().chain((state) =>
    fc
      .record({
        renames: fc.array(fc.constantFrom(undefined, 'town-square', 'town-square', 'off-topic'), {
          minLength: state.channels.length,
          maxLength: state.channels.length,
        }),
        names: fc.option(
          fc.subarray(['town-square', 'off-topic', ...state.channels.map((c) => c.name)]),
          { nil: undefined },
        ),
      })
      .map(({ renames, names }) => ({
        state: {
          ...state,
          channels: state.channels.map((c, i) => ({ ...c, name: renames[i] ?? c.name })),
        },
        names,
      })),
  )
}

/** The load and apply options that say which channels are default ones. */
function namesOption(names: readonly string[] | undefined): {
  readonly defaultChannelNames?: readonly string[]
} {
  return names === undefined ? {} : { defaultChannelNames: names }
}

/** Options that justify hand-made or random commands, for tests of the writes themselves. */
function admitting(commands: readonly SyncCommand[]) {
  return { context: admittingContext(commands) }
}

/** Of `commands`, those `admitting(commands)` admits against `state` (a D channel never is). */
function admittedOf(state: SyncState, commands: readonly SyncCommand[]): SyncCommand[] {
  const { groupLoad } = admittingContext(commands)
  return [...admitCommands(commands, withGroupLoad(state, groupLoad)).admitted]
}

export async function must<T, E>(r: ResultAsync<T, E>): Promise<T> {
  const result = await r
  if (!result.isOk())
    throw new Error(`expected Ok, got ${JSON.stringify(result._unsafeUnwrapErr())}`)
  return result._unsafeUnwrap()
}

export async function errorOf<T>(r: ResultAsync<T, PostgresError>): Promise<PostgresError> {
  const result = await r
  if (!result.isErr()) throw new Error('expected Err, got Ok')
  return result._unsafeUnwrapErr()
}

const id = (prefix: string, n: number): string =>
  `${prefix}${String(n).padStart(25, '0')}`.slice(0, 26)

/** A small hand-made state: one constrained team with a channel, an admin group, a guest. */
function scenarioState(): SyncState {
  const [alice, bob, guest, bot] = [id('u', 1), id('u', 2), id('u', 3), id('u', 4)]
  const [team, chan, dm] = [id('t', 1), id('c', 1), id('c', 2)]
  const group = id('g', 1)
  return {
    ...emptyState,
    users: [
      {
        id: alice,
        username: 'alice',
        email: 'alice@example.test',
        authData: 'alice-guid',
        systemRole: 'admin',
      },
      { id: bob, username: 'bob', systemRole: 'user', deactivated: true },
      { id: guest, username: 'guest', systemRole: 'guest' },
      { id: bot, username: 'bot', systemRole: 'user', isBot: true },
    ],
    groups: [{ id: group, name: 'admins', memberIds: [alice, guest] }],
    teams: [{ id: team, name: 'team', groupConstrained: true }],
    channels: [
      { id: chan, teamId: team, name: 'town', type: 'P', groupConstrained: true },
      { id: dm, teamId: team, name: 'dm', type: 'D', groupConstrained: false, deleted: true },
    ],
    links: [
      { groupId: group, syncable: { kind: 'team', id: team }, autoAdd: true, schemeAdmin: true },
      {
        groupId: group,
        syncable: { kind: 'channel', id: chan },
        autoAdd: false,
        schemeAdmin: false,
        deleted: true,
      },
    ],
    teamMembers: [
      { teamId: team, userId: alice, schemeAdmin: false, schemeGuest: false },
      { teamId: team, userId: bob, schemeAdmin: true, schemeGuest: false, deleted: true },
      { teamId: team, userId: bot, schemeAdmin: false, schemeGuest: false },
    ],
    channelMembers: [
      { channelId: chan, userId: alice, schemeAdmin: false, schemeGuest: false },
      { channelId: chan, userId: bot, schemeAdmin: true, schemeGuest: false },
      { channelId: dm, userId: alice, schemeAdmin: false, schemeGuest: false },
    ],
    channelHistory: [
      { channelId: chan, userId: alice },
      { channelId: chan, userId: bot },
      { channelId: chan, userId: bob },
      { channelId: dm, userId: alice },
    ],
  }
}

/**
 * Default channels: team 1 has town-square and random (open), an archived off-topic and a private
 * channel; team 2 has its own town-square. u2 left team 1 and town-square before; u4 is a team
 * member in town-square; u5 is in town-square without a team row.
 */
function defaultChannelScenario(): SyncState {
  const users = [1, 2, 3, 4, 5].map((n) => id('u', n))
  const [t1, t2] = [id('t', 1), id('t', 2)]
  const [town, offTopic, random, secret, town2] = [
    id('c', 1),
    id('c', 2),
    id('c', 3),
    id('c', 4),
    id('c', 5),
  ]
  return {
    ...emptyState,
    users: users.map((u, i) => ({
      id: u,
      username: `user${String(i + 1)}`,
      systemRole: i === 2 ? 'guest' : 'user',
    })),
    teams: [
      { id: t1, name: 'one', groupConstrained: false },
      { id: t2, name: 'two', groupConstrained: false },
    ],
    channels: [
      { id: town, teamId: t1, name: 'town-square', type: 'O', groupConstrained: false },
      {
        id: offTopic,
        teamId: t1,
        name: 'off-topic',
        type: 'O',
        groupConstrained: false,
        deleted: true,
      },
      { id: random, teamId: t1, name: 'random', type: 'O', groupConstrained: false },
      { id: secret, teamId: t1, name: 'secret', type: 'P', groupConstrained: false },
      { id: town2, teamId: t2, name: 'town-square', type: 'O', groupConstrained: false },
    ],
    teamMembers: [
      { teamId: t1, userId: id('u', 2), schemeAdmin: true, schemeGuest: false, deleted: true },
      { teamId: t1, userId: id('u', 4), schemeAdmin: false, schemeGuest: false },
    ],
    channelMembers: [
      { channelId: town, userId: id('u', 4), schemeAdmin: false, schemeGuest: false },
      { channelId: town, userId: id('u', 5), schemeAdmin: true, schemeGuest: false },
    ],
    channelHistory: [
      { channelId: town, userId: id('u', 2) },
      { channelId: town, userId: id('u', 4) },
      { channelId: town, userId: id('u', 5) },
    ],
  }
}

/** The shared contract suite: every driver must pass it unchanged (Lucia's adapter-test). */
export function describeContract(driver: Driver): void {
  describe(driver.name, () => {
    let client: PostgresClient
    beforeAll(async () => {
      const connected = await driver.connect()
      client = connected.client
      await must(createMattermostSchema(client))
      return connected.close
    })
    const reset = async (): Promise<void> => {
      await must(createMattermostSchema(client))
      await client.query({ text: `TRUNCATE ${tables}` })
    }
    const write = async (state: SyncState): Promise<void> => {
      await reset()
      await must(writeSyncState(client, state, { now: 1_700_000_000_000 }))
    }
    beforeEach(reset)

    describe('loadSyncState', () => {
      it('should read a hand-made state back as written', async () => {
        const state = scenarioState()
        await write(state)
        const loaded = await must(loadSyncState(client))
        expect(normalizeState(loaded)).toEqual(storable(state))
      })

      it('should read NULL flags as false, roles from Users.Roles and only ldap groups by default', async () => {
        const state = scenarioState()
        await must(
          loadScenario(client, {
            ...state,
            sql: [
              'UPDATE teams SET groupconstrained = NULL',
              'UPDATE channels SET groupconstrained = NULL',
              'UPDATE groupteams SET autoadd = NULL, schemeadmin = NULL',
              'UPDATE groupchannels SET autoadd = NULL, schemeadmin = NULL',
              'UPDATE channelmembers SET schemeadmin = NULL, schemeguest = NULL',
              `UPDATE users SET roles = 'custom_role system_admin' WHERE username = 'alice'`,
              `INSERT INTO usergroups (id, name, displayname, source, remoteid, createat, updateat, deleteat) VALUES ('${id('g', 9)}', NULL, 'Custom', 'custom', 'x', 0, 0, 0)`,
              `INSERT INTO groupmembers VALUES ('${id('g', 1)}', '${id('u', 2)}', 0, 5)`,
            ],
          }),
        )
        const loaded = normalizeState(await must(loadSyncState(client)))
        expect(loaded.teams[0]?.groupConstrained).toBe(false)
        expect(loaded.channels.map((c) => c.groupConstrained)).toEqual([false, false])
        for (const kind of ['team', 'channel'])
          expect(loaded.links.find((l) => l.syncable.kind === kind)).toMatchObject({
            autoAdd: false,
            schemeAdmin: false,
          })
        expect(loaded.channelMembers.every((m) => !m.schemeAdmin && !m.schemeGuest)).toBe(true)
        expect(loaded.users.find((u) => u.username === 'alice')?.systemRole).toBe('admin')
        expect(loaded.groups.map((g) => g.id)).toEqual([id('g', 1)])
        expect(loaded.groups[0]?.memberIds).toEqual([id('u', 1), id('u', 3)])
        const all = normalizeState(await must(loadSyncState(client, { groupSources: 'all' })))
        expect(all.groups.find((g) => g.id === id('g', 9))).toEqual({
          id: id('g', 9),
          name: 'Custom',
          memberIds: [],
        })
      })

      it('should load only the scoped teams, their channels, links and memberships', async () => {
        const base = scenarioState()
        const other = id('t', 2)
        const otherChannel = id('c', 3)
        const state: SyncState = {
          ...base,
          teams: [...base.teams, { id: other, name: 'other', groupConstrained: false }],
          channels: [
            ...base.channels,
            { id: otherChannel, teamId: other, name: 'x', type: 'O', groupConstrained: false },
          ],
          teamMembers: [
            ...base.teamMembers,
            { teamId: other, userId: id('u', 1), schemeAdmin: false, schemeGuest: false },
          ],
          channelMembers: [
            ...base.channelMembers,
            { channelId: otherChannel, userId: id('u', 1), schemeAdmin: false, schemeGuest: false },
          ],
          channelHistory: [...base.channelHistory, { channelId: otherChannel, userId: id('u', 1) }],
          links: [
            ...base.links,
            {
              groupId: id('g', 1),
              syncable: { kind: 'team', id: other },
              autoAdd: true,
              schemeAdmin: false,
            },
          ],
        }
        await write(state)
        const scoped = normalizeState(await must(loadSyncState(client, { teamIds: [other] })))
        expect(scoped.teams.map((t) => t.id)).toEqual([other])
        expect(scoped.channels.map((c) => c.id)).toEqual([otherChannel])
        expect(scoped.teamMembers).toHaveLength(1)
        expect(scoped.channelMembers).toHaveLength(1)
        expect(scoped.channelHistory).toHaveLength(1)
        expect(scoped.links.map((l) => l.syncable.id)).toEqual([other])
        expect(scoped.users).toHaveLength(state.users.length)
      })

      it('should fail with notMattermostDatabase when a Mattermost table is missing', async () => {
        await client.query({ text: 'DROP TABLE channelmemberhistory' })
        const error = await errorOf(loadSyncState(client))
        expect(error.kind).toBe('notMattermostDatabase')
      })

      it('should always read back what writeSyncState wrote', async () => {
        await fc.assert(
          fc.asyncProperty(syncStateArb(), async (state) => {
            await write(state)
            const loaded = await must(loadSyncState(client))
            expect(normalizeState(loaded)).toEqual(storable(state))
          }),
          dbRuns,
        )
      })
    })

    describe('applyPlan', () => {
      it('should write what Mattermost writes: revive, insert, soft-delete with cascade, history', async () => {
        // Bob active and u4 no bot: a sync adds the one and demotes the other.
        const scenario = scenarioState()
        const state: SyncState = {
          ...scenario,
          users: scenario.users.map((u) => {
            const copy: { -readonly [K in keyof typeof u]: (typeof u)[K] } = { ...u }
            delete copy.deactivated
            delete copy.isBot
            return copy
          }),
        }
        await write(state)
        const [alice, bob, guest] = [id('u', 1), id('u', 2), id('u', 3)]
        const [team, chan] = [id('t', 1), id('c', 1)]
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: team, userId: bob, role: 'member' },
          { kind: 'addTeamMember', teamId: team, userId: guest, role: 'guest' },
          { kind: 'addChannelMember', channelId: chan, userId: guest, role: 'guest' },
          {
            kind: 'setChannelMemberAdmin',
            channelId: chan,
            userId: id('u', 4),
            schemeAdmin: false,
          },
          { kind: 'removeTeamMember', teamId: team, userId: alice },
        ]
        const report = await must(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(state) },
            { now: 1_800_000_000_000, ...admitting(commands) },
          ),
        )
        expect(report.counts).toMatchObject({
          addTeamMember: 2,
          addChannelMember: 1,
          setChannelMemberAdmin: 1,
          removeTeamMember: 1,
        })
        expect(normalizeState(await must(loadSyncState(client)))).toEqual(
          storable(modelApplyPlan(state, commands)),
        )
        const rows = await client.query({
          text: `SELECT userid, roles, schemeuser, deleteat::text, createat::text FROM teammembers ORDER BY userid`,
          rowMode: 'array',
        })
        expect(rows.rows).toEqual([
          [alice, '', true, '1800000000000', '1700000000000'],
          [bob, '', true, '0', '1700000000000'],
          [guest, '', false, '0', '1800000000000'],
          [id('u', 4), '', true, '0', '1700000000000'],
        ])
        const member = await client.query({
          text: `SELECT notifyprops, msgcount::text, lastviewedat::text FROM channelmembers WHERE userid = $1`,
          values: [guest],
          rowMode: 'array',
        })
        expect(member.rows).toEqual([
          [
            {
              desktop: 'default',
              email: 'default',
              mark_unread: 'all',
              push: 'default',
              ignore_channel_mentions: 'default',
            },
            '0',
            '1800000000000',
          ],
        ])
        // Alice's private channel row is gone with a closed history row; her DM membership stays.
        const history = await client.query({
          text: `SELECT channelid, userid, leavetime::text FROM channelmemberhistory WHERE userid IN ($1, $2) ORDER BY 1, 2`,
          values: [alice, guest],
          rowMode: 'array',
        })
        expect(history.rows).toEqual([
          [chan, alice, '1800000000000'],
          [chan, guest, null],
          [id('c', 2), alice, null],
        ])
      })

      it('should delete a removed channel member and close only its history row', async () => {
        const state = scenarioState()
        await write(state)
        const [alice, bot] = [id('u', 1), id('u', 4)]
        const chan = id('c', 1)
        const commands: SyncCommand[] = [
          { kind: 'removeChannelMember', channelId: chan, userId: alice },
        ]
        const report = await must(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(state) },
            { now: 1_800_000_000_000, ...admitting(commands) },
          ),
        )
        expect(report.counts.removeChannelMember).toBe(1)
        const members = await client.query({
          text: 'SELECT userid FROM channelmembers WHERE channelid = $1 ORDER BY 1',
          values: [chan],
          rowMode: 'array',
        })
        expect(members.rows).toEqual([[bot]])
        const history = await client.query({
          text: 'SELECT userid, leavetime::text FROM channelmemberhistory WHERE channelid = $1 ORDER BY 1',
          values: [chan],
          rowMode: 'array',
        })
        expect(history.rows).toEqual([
          [alice, '1800000000000'],
          // Bob left before (written closed); the bot stays a member.
          [id('u', 2), '1700000000000'],
          [bot, null],
        ])
      })

      it('should refuse a stale plan and write nothing', async () => {
        const state = scenarioState()
        await write(state)
        const plan = planSync(state)
        expect(plan.commands.length).toBeGreaterThan(0)
        await client.query({
          text: `UPDATE users SET username = 'renamed' WHERE username = 'alice'`,
        })
        const before = normalizeState(await must(loadSyncState(client)))
        const error = await errorOf(applyPlan(client, plan))
        expect(error).toMatchObject({ kind: 'stalePlan', expected: plan.targetFingerprint })
        expect(normalizeState(await must(loadSyncState(client)))).toEqual(before)
      })

      it('should roll back everything when a command meets an unexpected row', async () => {
        const state = scenarioState()
        await write(state)
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: id('t', 1), userId: id('u', 3), role: 'guest' },
          { kind: 'removeChannelMember', channelId: id('c', 1), userId: id('u', 3) },
        ]
        const error = await errorOf(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(state) },
            admitting(commands),
          ),
        )
        expect(error).toMatchObject({ kind: 'unexpectedRow', command: commands[1] })
        expect(normalizeState(await must(loadSyncState(client)))).toEqual(storable(state))
      })

      it('should roll back everything when the database fails in the middle of a plan', async () => {
        const state = scenarioState()
        await write(state)
        await client.query({
          text: `CREATE OR REPLACE FUNCTION refuse_guest() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.userid = '${id('u', 3)}' THEN RAISE EXCEPTION 'no guests here'; END IF; RETURN NEW; END $$`,
        })
        await client.query({
          text: 'CREATE TRIGGER refuse_guest BEFORE INSERT ON channelmembers FOR EACH ROW EXECUTE FUNCTION refuse_guest()',
        })
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: id('t', 1), userId: id('u', 3), role: 'guest' },
          { kind: 'addChannelMember', channelId: id('c', 1), userId: id('u', 3), role: 'guest' },
        ]
        const error = await errorOf(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(state) },
            admitting(commands),
          ),
        )
        await client.query({ text: 'DROP TRIGGER refuse_guest ON channelmembers' })
        expect(error.kind).toBe('queryFailed')
        expect(error.message).toContain('no guests here')
        expect(normalizeState(await must(loadSyncState(client)))).toEqual(storable(state))
      })

      it('should always end in the state core applyPlan models for a planSync plan', async () => {
        await fc.assert(
          fc.asyncProperty(syncStateArb(), syncPolicyArb(), async (drawn, policy) => {
            await write(drawn)
            // Managed syncables plan as the configuration says; default channels as the database has them.
            const state = withDefaultChannels(drawn)
            const plan = planSync(state, policy)
            // The plan's groups, links and managed syncables, as runSync passes them.
            const report = await must(
              applyPlan(client, plan, { context: applyContextOf(state, plan.policy) }),
            )
            expect(report.outcomes.every((o) => o.kind === 'done')).toBe(true)
            expect(normalizeState(await must(loadSyncState(client)))).toEqual(
              storable(modelApplyPlan(state, plan)),
            )
          }),
          dbRuns,
        )
      })

      it('should always end in the state core applyPlan models for any commands when not strict', async () => {
        const arb = syncStateArb().chain((state) =>
          fc.tuple(
            fc.constant(withDefaultChannels(state)),
            fc.array(syncCommandArb(state), { maxLength: 12 }),
          ),
        )
        await fc.assert(
          fc.asyncProperty(arb, async ([state, drawn]) => {
            await write(state)
            const commands = admittedOf(state, drawn)
            await must(
              applyPlan(
                client,
                { commands, targetFingerprint: fingerprintTarget(state) },
                { strict: false, ...admitting(drawn) },
              ),
            )
            expect(normalizeState(await must(loadSyncState(client)))).toEqual(
              storable(modelApplyPlan(state, commands)),
            )
          }),
          dbRuns,
        )
      })
    })

    describe('admission (issue 14: apply only what a sync could have planned)', () => {
      // scenarioState plus what the reproductions aim at: a live direct-message channel and a
      // team no rule links (alice is a member of it).
      const dm = id('c', 7)
      const unlinked = id('t', 7)
      const admissionState = (): SyncState => {
        const base = scenarioState()
        return {
          ...base,
          teams: [...base.teams, { id: unlinked, name: 'unlinked', groupConstrained: false }],
          channels: [
            ...base.channels,
            {
              id: dm,
              teamId: '',
              name: `${id('u', 1)}__${id('u', 3)}`,
              type: 'D',
              groupConstrained: false,
            },
          ],
          teamMembers: [
            ...base.teamMembers,
            { teamId: unlinked, userId: id('u', 1), schemeAdmin: false, schemeGuest: false },
          ],
        }
      }
      const rawRows = async (): Promise<unknown[]> =>
        (
          await Promise.all(
            ['teammembers', 'channelmembers', 'channelmemberhistory', 'users'].map(
              async (table) =>
                (
                  await client.query({
                    text: `SELECT * FROM ${table} ORDER BY 1, 2`,
                    rowMode: 'array',
                  })
                ).rows,
            ),
          )
        ).flat()

      it.each([
        [
          'a user added to a direct-message channel',
          { kind: 'addChannelMember', channelId: dm, userId: id('u', 3), role: 'guest' },
          'directChannel',
        ],
        [
          'an admin of a team no rule links',
          { kind: 'addTeamMember', teamId: unlinked, userId: id('u', 4), role: 'admin' },
          'unjustified',
        ],
        [
          'a member made admin of a team no rule links',
          { kind: 'setTeamMemberAdmin', teamId: unlinked, userId: id('u', 1), schemeAdmin: true },
          'unjustified',
        ],
        [
          "a team id x');DROP TABLE users;--",
          {
            kind: 'addTeamMember',
            teamId: "x');DROP TABLE users;--",
            userId: id('u', 1),
            role: 'member',
          },
          'malformedId',
        ],
      ] as const)(
        'should refuse %s with a typed error, writing nothing',
        async (_, command: SyncCommand, reason) => {
          const state = admissionState()
          await write(state)
          const before = await rawRows()
          const plan = { commands: [command], targetFingerprint: fingerprintTarget(state) }

          // With the directory's groups (as runSync and the CLI pass them) and with Mattermost's own.
          const withLoad = await errorOf(
            applyPlan(client, plan, { context: applyContextOf(state) }),
          )
          const withOwn = await errorOf(applyPlan(client, plan))

          for (const error of [withLoad, withOwn]) {
            expect(error).toMatchObject({
              kind: 'inadmissibleCommands',
              refused: [{ index: 0, command, reason }],
            })
            expect(error.message).toContain('#1 ')
          }
          expect(await rawRows()).toEqual(before)
        },
      )

      it('should refuse a whole plan for one foreign command, the planned ones included', async () => {
        const state = admissionState()
        await write(state)
        const plan = planSync(state)
        expect(plan.commands.length).toBeGreaterThan(0)
        const before = await rawRows()
        const foreign: SyncCommand = {
          kind: 'addChannelMember',
          channelId: dm,
          userId: id('u', 1),
          role: 'member',
        }

        const error = await errorOf(
          applyPlan(
            client,
            { ...plan, commands: [...plan.commands, foreign] },
            { context: applyContextOf(state, plan.policy) },
          ),
        )

        expect(error).toMatchObject({
          kind: 'inadmissibleCommands',
          refused: [{ index: plan.commands.length, reason: 'directChannel' }],
        })
        expect(await rawRows()).toEqual(before)
        // Without the foreign command the same plan applies.
        await must(applyPlan(client, plan, { context: applyContextOf(state, plan.policy) }))
      })

      it('should refuse, through PostgresSyncTarget, adds no group of its own groups justifies', async () => {
        const state = admissionState()
        await write(state)
        const target = new PostgresSyncTarget(client)
        const loaded = await must(target.loadSyncState())
        const command = {
          kind: 'addTeamMember',
          teamId: unlinked,
          userId: id('u', 4),
          role: 'member',
          reason: 'crafted',
        } as const
        const plan = { commands: [command], targetFingerprint: fingerprintTarget(loaded) }

        expect(await errorOf(target.applyPlan(plan))).toMatchObject({
          kind: 'inadmissibleCommands',
          refused: [{ reason: 'unjustified' }],
        })
        // A directory group linking the team justifies it.
        const groupLoad = {
          groups: [{ id: 'dir-1', name: 'everyone', memberIds: [id('u', 4)] }],
          links: [
            {
              groupId: 'dir-1',
              syncable: { kind: 'team' as const, id: unlinked },
              autoAdd: true,
              schemeAdmin: false,
            },
          ],
          managed: [],
        }
        expect((await must(target.applyPlan(plan, { groupLoad }))).counts.addTeamMember).toBe(1)
      })

      it('should always refuse foreign commands among planned ones and leave the database as it was', async () => {
        const arb = syncStateArb()
          .chain(foreignCommandArb)
          .chain((foreign) => fc.tuple(fc.constant(foreign), syncPolicyArb(), fc.nat()))
        await fc.assert(
          fc.asyncProperty(arb, async ([{ state: drawn, command, reason }, policy, at]) => {
            const state = withDefaultChannels(drawn)
            await write(state)
            const before = await rawRows()
            const plan = planSync(state, policy)
            const index = at % (plan.commands.length + 1)
            const commands = [
              ...plan.commands.slice(0, index),
              command,
              ...plan.commands.slice(index),
            ]

            // Both checks: the whole re-read and the touched rows only (issue 11 item 3).
            for (const check of ['fingerprint', 'touched'] as const) {
              const error = await errorOf(
                applyPlan(
                  client,
                  { commands, targetFingerprint: plan.targetFingerprint },
                  { context: applyContextOf(state, plan.policy), check },
                ),
              )

              expect(error).toMatchObject({
                kind: 'inadmissibleCommands',
                refused: [{ index, command, reason }],
              })
              expect(await rawRows()).toEqual(before)
            }
          }),
          { numRuns: 25 },
        )
      })

      describe("the touched-rows check (check: 'touched', issue 11 item 3)", () => {
        const isId = (x: string): boolean => /^[a-z0-9]{26}$/.test(x)

        it('should admit and refuse exactly as admitCommands on the whole state, with a group load or its own links', async () => {
          const arb = syncStateArb()
            .chain((drawn) =>
              fc.tuple(
                fc.constant(drawn),
                fc.array(syncCommandArb(drawn), { maxLength: 6 }),
                foreignCommandArb(drawn),
              ),
            )
            .chain((parts) =>
              fc.tuple(fc.constant(parts), syncPolicyArb(), fc.boolean(), fc.boolean()),
            )
          await fc.assert(
            fc.asyncProperty(
              arb,
              async ([[drawn, extra, foreign], policy, ownLinks, teamsOnly]) => {
                const state = withDefaultChannels(drawn)
                await write(state)
                const full = await must(loadSyncState(client))
                const plan = planSync(state, policy)
                // Team commands alone: a team add a channel's link justifies touches no channel.
                const planned = teamsOnly
                  ? plan.commands.filter((c) => 'teamId' in c)
                  : plan.commands
                const commands = [...planned, ...extra, foreign.command]
                const context = ownLinks
                  ? { policy: plan.policy }
                  : applyContextOf(state, plan.policy)
                const expected = admitCommands(
                  commands,
                  withGroupLoad(full, ownLinks ? undefined : context.groupLoad),
                  { isId, policy: plan.policy },
                )
                const before = await rawRows()

                const result = await applyPlan(
                  client,
                  { commands },
                  // Not strict: commands whose effect holds pass, so only admission can refuse.
                  { context, check: 'touched', strict: false },
                )

                if (expected.refused.length > 0) {
                  expect(result.isErr() ? result.error : result.value).toEqual(
                    expect.objectContaining({
                      kind: 'inadmissibleCommands',
                      refused: expected.refused,
                    }),
                  )
                  expect(await rawRows()).toEqual(before)
                } else expect(result.isOk() ? 'ok' : result.error).toBe('ok')
              },
            ),
            { numRuns: 25 },
          )
        })

        it("should admit a team add that only a channel's auto-add link justifies", async () => {
          const [u1, t1, c1, g1] = [id('u', 1), id('t', 1), id('c', 1), id('g', 1)]
          const state: SyncState = {
            ...emptyState,
            users: [{ id: u1, username: 'ann', systemRole: 'user' }],
            teams: [{ id: t1, name: 'eng', groupConstrained: false }],
            channels: [{ id: c1, teamId: t1, name: 'ops', type: 'O', groupConstrained: false }],
            groups: [{ id: g1, name: 'ops', memberIds: [u1] }],
            links: [
              {
                groupId: g1,
                syncable: { kind: 'channel', id: c1 },
                autoAdd: true,
                schemeAdmin: false,
              },
            ],
          }
          const commands: SyncCommand[] = [
            { kind: 'addTeamMember', teamId: t1, userId: u1, role: 'member' },
          ]
          for (const context of [undefined, applyContextOf(state)]) {
            await write(state)
            const report = await must(
              applyPlan(
                client,
                { commands },
                { check: 'touched', ...(context ? { context } : {}) },
              ),
            )
            expect(report.counts.addTeamMember).toBe(1)
          }
        })

        it('should refuse a command whose row changed since the plan, naming it, writing nothing', async () => {
          const state = storable(admissionState())
          await write(state)
          const plan = planSync(state)
          const context = applyContextOf(state, plan.policy)
          const index = plan.commands.findIndex((c) => c.kind === 'addTeamMember')
          const changed = plan.commands[index]
          expect(changed).toBeDefined()
          // Someone else makes the row what the command would have made it.
          if (changed !== undefined)
            await must(
              applyPlan(client, { commands: [changed] }, { context: admittingContext([changed]) }),
            )
          const before = await rawRows()

          const error = await errorOf(applyPlan(client, plan, { context, check: 'touched' }))

          expect(error).toMatchObject({
            kind: 'staleCommands',
            stale: [{ index, command: changed }],
          })
          expect(error.message).toContain(`#${index + 1} addTeamMember`)
          expect(await rawRows()).toEqual(before)
        })

        it('should apply a plan despite an unrelated change that the fingerprint check refuses', async () => {
          const state = storable(admissionState())
          await write(state)
          const plan = planSync(state)
          const context = applyContextOf(state, plan.policy)
          // Bob joins the unlinked team: no command of the plan touches that row.
          const bob = id('u', 2)
          expect(
            plan.commands.some((c) => 'teamId' in c && c.teamId === unlinked && c.userId === bob),
          ).toBe(false)
          await client.query({
            text: `INSERT INTO teammembers (teamid, userid, roles, deleteat, schemeuser, schemeguest, schemeadmin, createat)
              VALUES ($1, $2, '', 0, true, false, false, 1)`,
            values: [unlinked, bob],
          })

          expect(await errorOf(applyPlan(client, plan, { context }))).toMatchObject({
            kind: 'stalePlan',
          })
          const report = await must(applyPlan(client, plan, { context, check: 'touched' }))

          expect(report.outcomes.every((o) => o.kind === 'done')).toBe(true)
          expect(report.outcomes).toHaveLength(plan.commands.length)
        })

        it('should take the touched check for a plan without a fingerprint', async () => {
          const state = storable(admissionState())
          await write(state)
          const plan = planSync(state)
          const done = await must(
            applyPlan(client, { commands: plan.commands }, { context: applyContextOf(state) }),
          )
          expect(done.outcomes).toHaveLength(plan.commands.length)

          // Applied again, every command is stale.
          const error = await errorOf(
            applyPlan(client, { commands: plan.commands }, { context: applyContextOf(state) }),
          )
          expect(error).toMatchObject({ kind: 'staleCommands' })
          expect(error.kind === 'staleCommands' ? error.stale : []).toHaveLength(
            plan.commands.length,
          )
        })
      })
    })

    describe('default channels', () => {
      const now = 1_800_000_000_000
      const [u1, u2, u3, u4, u5] = [1, 2, 3, 4, 5].map((n) => id('u', n)) as [
        string,
        string,
        string,
        string,
        string,
      ]
      const t1 = id('t', 1)
      const [town, , random] = [1, 2, 3].map((n) => id('c', n)) as [string, string, string]
      const rowsOf = async (channelIds: readonly string[]): Promise<unknown[][]> =>
        (
          await client.query({
            text: `SELECT channelid, userid, roles, schemeuser, schemeadmin, schemeguest, msgcount::text,
                lastviewedat::text, lastupdateat::text, notifyprops FROM channelmembers
              WHERE channelid = ANY($1::text[]) ORDER BY 1, 2`,
            values: [[...channelIds]],
            rowMode: 'array',
          })
        ).rows as unknown[][]
      const historyOf = async (channelIds: readonly string[]): Promise<unknown[][]> =>
        (
          await client.query({
            text: `SELECT channelid, userid, jointime::text, leavetime::text FROM channelmemberhistory
              WHERE channelid = ANY($1::text[]) ORDER BY 1, 2, 3`,
            values: [[...channelIds]],
            rowMode: 'array',
          })
        ).rows as unknown[][]
      const joined = (channelId: string, userId: string, admin: boolean): unknown[] => [
        channelId,
        userId,
        '',
        true,
        admin,
        false,
        '0',
        String(now),
        String(now),
        { ...defaultNotifyProps },
      ]

      it('should flag channels by name, with the default names or the given ones', async () => {
        await write(defaultChannelScenario())
        const flagged = async (names?: readonly string[]): Promise<string[]> =>
          (
            await must(
              loadSyncState(client, names === undefined ? {} : { defaultChannelNames: names }),
            )
          ).channels
            .filter((c) => c.defaultChannel === true)
            .map((c) => c.id)
            .sort()
        expect(await flagged()).toEqual([1, 2, 5].map((n) => id('c', n)))
        expect(await flagged(['random', 'secret'])).toEqual([id('c', 3), id('c', 4)])
        expect(await flagged([])).toEqual([])
      })

      it('should join a new or returning non-guest to the live open default channels, as Mattermost does', async () => {
        const state = defaultChannelScenario()
        await write(state)
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: t1, userId: u1, role: 'member' },
          { kind: 'addTeamMember', teamId: t1, userId: u2, role: 'admin' },
          { kind: 'addTeamMember', teamId: t1, userId: u3, role: 'guest' },
          { kind: 'addTeamMember', teamId: t1, userId: u5, role: 'member' },
        ]
        const report = await must(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(state) },
            { now, ...admitting(commands) },
          ),
        )
        expect(report.outcomes.map((o) => o.kind)).toEqual(['done', 'done', 'done', 'done'])
        // Only town-square: off-topic is archived, random is not a default, secret is private,
        // team 2's town-square is another team's; u3 is a guest, u5 already had a row.
        const all = [1, 2, 3, 4, 5].map((n) => id('c', n))
        expect(await rowsOf(all)).toEqual([
          joined(town, u1, false),
          // Not group-derived: a team admin joins as a plain member.
          joined(town, u2, false),
          [
            town,
            u4,
            '',
            true,
            false,
            false,
            '0',
            '1700000000000',
            '1700000000000',
            { ...defaultNotifyProps },
          ],
          [
            town,
            u5,
            '',
            true,
            true,
            false,
            '0',
            '1700000000000',
            '1700000000000',
            { ...defaultNotifyProps },
          ],
        ])
        expect(await historyOf(all)).toEqual([
          [town, u1, String(now), null],
          [town, u2, '1700000000000', '1700000000000'],
          [town, u2, String(now), null],
          [town, u4, '1700000000000', null],
          [town, u5, '1700000000000', null],
        ])
      })

      it('should leave an active member whose add is a no-op out of the default channels', async () => {
        const state = defaultChannelScenario()
        await write(state)
        await client.query({
          text: 'DELETE FROM channelmembers WHERE userid = $1',
          values: [u4],
        })
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: t1, userId: u4, role: 'member' },
        ]
        const changed = {
          ...state,
          channelMembers: state.channelMembers.filter((m) => m.userId !== u4),
        }
        const report = await must(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(changed) },
            { now, strict: false, ...admitting(commands) },
          ),
        )
        expect(report.outcomes.map((o) => o.kind)).toEqual(['already'])
        expect((await rowsOf([town])).map((r) => r[1])).toEqual([u5])
      })

      it("should set the plan's role on a row its own team add joined, and on no other", async () => {
        const state = defaultChannelScenario()
        await write(state)
        const fingerprint = fingerprintTarget(state)
        const plan = (more: SyncCommand[]) => ({
          commands: [
            { kind: 'addTeamMember', teamId: t1, userId: u1, role: 'member' } as const,
            ...more,
          ],
          targetFingerprint: fingerprint,
        })
        const options = (more: SyncCommand[]) => ({ now, ...admitting(plan(more).commands) })
        const report = await must(
          applyPlan(
            client,
            plan([{ kind: 'addChannelMember', channelId: town, userId: u1, role: 'admin' }]),
            options([{ kind: 'addChannelMember', channelId: town, userId: u1, role: 'admin' }]),
          ),
        )
        expect(report.outcomes.map((o) => o.kind)).toEqual(['done', 'done'])
        expect(report.counts.addChannelMember).toBe(1)
        expect(await rowsOf([town])).toContainEqual(joined(town, u1, true))
        expect(normalizeState(await must(loadSyncState(client)))).toEqual(
          storable(
            modelApplyPlan(
              state,
              plan([{ kind: 'addChannelMember', channelId: town, userId: u1, role: 'admin' }]),
            ),
          ),
        )
        // u4 was in town-square before the plan: strict refuses the add and writes nothing.
        await write(state)
        const refused = await errorOf(
          applyPlan(
            client,
            plan([{ kind: 'addChannelMember', channelId: town, userId: u4, role: 'admin' }]),
            options([{ kind: 'addChannelMember', channelId: town, userId: u4, role: 'admin' }]),
          ),
        )
        expect(refused).toMatchObject({ kind: 'unexpectedRow', command: { userId: u4 } })
        expect(normalizeState(await must(loadSyncState(client)))).toEqual(storable(state))
      })

      it('should join the channels named by defaultChannelNames instead', async () => {
        const state = defaultChannelScenario()
        await write(state)
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: t1, userId: u1, role: 'member' },
          { kind: 'addChannelMember', channelId: town, userId: u1, role: 'admin' },
        ]
        await must(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(state) },
            { now, defaultChannelNames: ['random', 'secret'], ...admitting(commands) },
          ),
        )
        // random joined by default; town-square added by the plan (a new row, with history).
        expect((await rowsOf([town, random])).filter((r) => r[1] === u1)).toEqual([
          joined(town, u1, true),
          joined(random, u1, false),
        ])
      })

      it('should remove a default-joined row later in the same plan, closing its history', async () => {
        const state = defaultChannelScenario()
        await write(state)
        // random, not town-square: a sync never takes a non-guest out of town-square.
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: t1, userId: u1, role: 'member' },
          { kind: 'removeChannelMember', channelId: random, userId: u1 },
        ]
        const report = await must(
          applyPlan(
            client,
            { commands, targetFingerprint: fingerprintTarget(state) },
            { now, defaultChannelNames: ['town-square', 'random'], ...admitting(commands) },
          ),
        )
        expect(report.outcomes.map((o) => o.kind)).toEqual(['done', 'done'])
        expect((await rowsOf([town, random])).map((r) => r[1])).toEqual([u1, u4, u5])
        expect((await historyOf([random])).filter((r) => r[1] === u1)).toEqual([
          [random, u1, String(now), String(now)],
        ])
      })

      it('should always end in the state core applyPlan models for a planSync plan', async () => {
        await fc.assert(
          fc.asyncProperty(
            defaultChannelStateArb(),
            syncPolicyArb(),
            async ({ state, names }, policy) => {
              await write(state)
              const loaded = await must(loadSyncState(client, namesOption(names)))
              expect(normalizeState(loaded)).toEqual(storable(state, names))
              // The drawn state keeps its managed syncables; its default channels are the loaded ones.
              const planned = withDefaultChannels(state, names)
              const plan = planSync(planned, policy)
              const report = await must(
                applyPlan(client, plan, {
                  ...namesOption(names),
                  context: applyContextOf(planned, plan.policy),
                }),
              )
              expect(report.outcomes.every((o) => o.kind === 'done')).toBe(true)
              expect(normalizeState(await must(loadSyncState(client, namesOption(names))))).toEqual(
                storable(modelApplyPlan(planned, plan), names),
              )
            },
          ),
          dbRuns,
        )
      })

      it('should always end in the state core applyPlan models for any commands when not strict', async () => {
        const arb = defaultChannelStateArb().chain((drawn) =>
          fc.tuple(fc.constant(drawn), fc.array(syncCommandArb(drawn.state), { maxLength: 12 })),
        )
        await fc.assert(
          fc.asyncProperty(arb, async ([{ state, names }, drawn]) => {
            await write(state)
            const planned = withDefaultChannels(state, names)
            const commands = admittedOf(planned, drawn)
            await must(
              applyPlan(
                client,
                { commands, targetFingerprint: fingerprintTarget(planned) },
                { strict: false, ...namesOption(names), ...admitting(drawn) },
              ),
            )
            expect(normalizeState(await must(loadSyncState(client, namesOption(names))))).toEqual(
              storable(modelApplyPlan(planned, commands), names),
            )
          }),
          dbRuns,
        )
      })
    })

    describe('PostgresSyncTarget', () => {
      it('should apply a plan made from its own scoped load', async () => {
        const state = scenarioState()
        await write(state)
        const target = new PostgresSyncTarget(client, { teamIds: [id('t', 1)] })
        const loaded = await must(target.loadSyncState())
        const plan = planSync(loaded)
        const report = await must(target.applyPlan(plan))
        expect(report.outcomes).toHaveLength(plan.commands.length)
        expect(normalizeState(await must(target.loadSyncState()))).toEqual(
          storable(modelApplyPlan(loaded, plan)),
        )
        expect(planSync(await must(target.loadSyncState())).commands).toEqual([])
      })

      it('should load and apply with its defaultChannelNames and converge in one apply', async () => {
        const state = defaultChannelScenario()
        const group = id('g', 1)
        await write({
          ...state,
          groups: [{ id: group, name: 'everyone', memberIds: [id('u', 1), id('u', 3)] }],
          links: [
            {
              groupId: group,
              syncable: { kind: 'team', id: id('t', 1) },
              autoAdd: true,
              schemeAdmin: false,
            },
          ],
        })
        const target = new PostgresSyncTarget(client, { defaultChannelNames: ['random'] })
        const loaded = await must(target.loadSyncState())
        expect(loaded.channels.filter((c) => c.defaultChannel === true).map((c) => c.name)).toEqual(
          ['random'],
        )
        const plan = planSync(loaded)
        await must(target.applyPlan(plan))
        const after = await must(target.loadSyncState())
        expect(normalizeState(after)).toEqual(normalizeState(modelApplyPlan(loaded, plan)))
        // u1 (a member) joined random by default; u3 (a guest) did not.
        expect(
          after.channelMembers.filter((m) => m.channelId === id('c', 3)).map((m) => m.userId),
        ).toEqual([id('u', 1)])
        expect(planSync(after).commands).toEqual([])
      })
    })

    describe('run journal', () => {
      const guestTrigger = async (message: string): Promise<void> => {
        await client.query({
          text: `CREATE OR REPLACE FUNCTION refuse_guest() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.userid = '${id('u', 3)}' THEN RAISE EXCEPTION '${message}'; END IF; RETURN NEW; END $$`,
        })
        await client.query({
          text: 'CREATE TRIGGER refuse_guest BEFORE INSERT ON channelmembers FOR EACH ROW EXECUTE FUNCTION refuse_guest()',
        })
      }

      it('should return per-phase timings that finishRun journals with the outcome', async () => {
        await must(migrate(client))
        const state = scenarioState()
        await write(state)
        const plan = planSync(state)
        const runId = await must(startRun(client, plan))
        const report = await must(applyPlan(client, plan, { runId }))
        const { staleCheckMs, writeMs, journalMs, totalMs } = report.timings
        for (const t of [staleCheckMs, writeMs, journalMs]) expect(t).toBeGreaterThan(0)
        expect(totalMs).toBeGreaterThanOrEqual(staleCheckMs + writeMs + journalMs)
        await must(finishRun(client, runId, { outcome: 'applied', timings: report.timings }))
        const [run] = await must(listRuns(client, { limit: 1 }))
        expect(run).toMatchObject({ id: runId, outcome: 'applied', timings: report.timings })
        expect(run?.finishedAt).toBeDefined()
      })

      it('should journal a refused stale plan with its error and no commands', async () => {
        await must(migrate(client))
        const state = scenarioState()
        await write(state)
        const plan = planSync(state)
        const runId = await must(startRun(client, plan))
        await client.query({ text: `UPDATE teams SET name = 'renamed'` })
        const error = await errorOf(applyPlan(client, plan, { runId }))
        expect(runOutcomeOf(error)).toBe('refused')
        await must(finishRun(client, runId, { outcome: runOutcomeOf(error), error }))
        const [run] = await must(listRuns(client, { limit: 1 }))
        expect(run).toMatchObject({
          id: runId,
          outcome: 'refused',
          commandCount: 0,
          error: { kind: 'stalePlan', expected: plan.targetFingerprint },
        })
      })

      it('should journal a failed apply with its scrubbed error and no commands', async () => {
        await must(migrate(client))
        const state = scenarioState()
        await write(state)
        await guestTrigger('no guests here')
        const commands: SyncCommand[] = [
          { kind: 'addTeamMember', teamId: id('t', 1), userId: id('u', 3), role: 'guest' },
          { kind: 'addChannelMember', channelId: id('c', 1), userId: id('u', 3), role: 'guest' },
        ]
        const plan = { commands, targetFingerprint: fingerprintTarget(state) }
        const runId = await must(
          startRun(client, { ...planSync(state), targetFingerprint: plan.targetFingerprint }),
        )
        const error = await errorOf(applyPlan(client, plan, { runId, ...admitting(commands) }))
        await client.query({ text: 'DROP TRIGGER refuse_guest ON channelmembers' })
        expect(runOutcomeOf(error)).toBe('failed')
        // A driver error whose text holds a connection string, as some drivers put in causes.
        const leaky = { ...error, cause: { config: 'postgres://mm:hunter2@db:5432/mattermost' } }
        await must(finishRun(client, runId, { outcome: runOutcomeOf(error), error: leaky }))
        const [run] = await must(listRuns(client, { limit: 1 }))
        expect(run).toMatchObject({ id: runId, outcome: 'failed', commandCount: 0 })
        expect(run?.error).toMatchObject({ kind: 'queryFailed' })
        expect(JSON.stringify(run?.error)).toContain('no guests here')
        expect(JSON.stringify(run?.error)).not.toContain('hunter2')
        expect(JSON.stringify(run?.error)).toContain('postgres://mm:***@db')
      })

      it('should classify every refusal as refused and the rest as failed', () => {
        const refused = [
          'stalePlan',
          'staleCommands',
          'unexpectedRow',
          'alreadyRunning',
          'inadmissibleCommands',
        ]
        for (const kind of [
          'stalePlan',
          'staleCommands',
          'unexpectedRow',
          'alreadyRunning',
          'inadmissibleCommands',
          'queryFailed',
          'poolTooSmall',
          // The store's refusals wrote nothing, but a new plan does not help: the setup must change.
          'schemaTooNew',
          'differentMattermost',
        ])
          expect(runOutcomeOf({ kind } as PostgresError)).toBe(
            refused.includes(kind) ? 'refused' : 'failed',
          )
      })
    })

    describe("PostgresMembershipStore on Mattermost's own database", () => {
      it("should keep its memberships beside Mattermost's tables without touching them", async () => {
        const state = scenarioState()
        await write(state)
        await client.query({ text: 'DROP SCHEMA IF EXISTS grouproles CASCADE' })
        const site = { siteId: 'mmsite0000000000000000000a', siteUrl: 'https://mm.example.test' }
        const store = await must(PostgresMembershipStore.open(client, site))
        const remembered = {
          teams: [{ teamId: id('t', 1), userIds: [id('u', 1), id('u', 4)] }],
          channels: [{ channelId: id('c', 1), userIds: [id('u', 1)] }],
        }
        await must(store.remember(remembered))
        expect(await must(store.recall())).toEqual(remembered)
        expect(normalizeState(await must(loadSyncState(client)))).toEqual(storable(state))
      })
    })

    describe('migrate', () => {
      it('should create the journal once and journal an applied plan with reasons and outcomes', async () => {
        const first = await must(migrate(client))
        const second = await must(migrate(client))
        expect(second).toEqual([])
        expect(first.length === 0 || first.includes(1)).toBe(true)
        const state = scenarioState()
        await write(state)
        const plan = planSync(state)
        const runId = await must(startRun(client, plan))
        await must(applyPlan(client, plan, { runId }))
        await must(finishRun(client, runId, { outcome: 'applied', timings: { apply: 5 } }))
        const runs = await must(listRuns(client, { limit: 1 }))
        expect(runs[0]).toMatchObject({
          id: runId,
          outcome: 'applied',
          fingerprint: plan.fingerprint,
          commandCount: plan.commands.length,
          timings: { apply: 5 },
        })
        const journalled = await must(listRunCommands(client, runId))
        expect(journalled.map((c) => c.reason)).toEqual(plan.commands.map((c) => c.reason))
        expect(journalled.every((c) => c.outcome === 'done')).toBe(true)
      })
    })
  })
}
