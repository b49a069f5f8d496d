import type { ResultAsync } from 'neverthrow'
import { errAsync, okAsync } from 'neverthrow'
import { match } from 'ts-pattern'
import {
  admitForApply,
  commandKey,
  fingerprintTarget,
  inadmissibleCommands,
  type ApplyContext as AdmissionContext,
  syncCommandKinds,
  toSyncCommand,
  type ApplyReport,
  type CommandOutcome,
  type PlannedCommand,
  type SyncCommand,
  type SyncCommandKind,
} from '@grouproles/core'
import type { PostgresClient, PostgresQueryable } from './postgres-client.js'
import type { PostgresError } from './postgres-error.js'
import { inTransaction, run, runArrays } from './internal/session.js'
import { DefaultJoins } from './internal/default-joins.js'
import { defaultChannelNames } from './default-channel-names.js'
import {
  connectionsFor,
  readGroupsAndLinks,
  readTarget,
  type LoadSyncStateOptions,
  type TargetState,
} from './load-sync-state.js'
import * as q from './queries.js'
import { readTouchedState } from './read-touched-state.js'
import { staleCommands } from './internal/stale-commands.js'

/** The NotifyProps Mattermost gives a new channel member. */
export const defaultNotifyProps: Readonly<Record<string, string>> = Object.freeze({
  desktop: 'default',
  email: 'default',
  mark_unread: 'all',
  push: 'default',
  ignore_channel_mentions: 'default',
})

/** Options of `applyPlan`. */
export interface ApplyPlanOptions {
  /** Epoch milliseconds written as CreateAt / DeleteAt / JoinTime / LeaveTime. Default `Date.now()`. */
  readonly now?: number
  /** The scope the plan's state was loaded with (`LoadSyncStateOptions.teamIds`). */
  readonly teamIds?: readonly string[]
  /**
   * `true` (default): every command must find its row as a fresh plan expects it (an add finds no
   * active member, a removal an active member, an admin change a differing flag), else the whole
   * plan is rolled back with `unexpectedRow`. `false`: commands whose effect already holds are
   * reported as `already`, as core's `applyPlan` model treats them.
   */
  readonly strict?: boolean
  /** Connections for the stale check's re-read, as `LoadSyncStateOptions.connections`. */
  readonly connections?: number
  /** A run (`startRun`) to journal each command and its outcome in, inside the same transaction. */
  readonly runId?: number
  /**
   * Names of the channels a new non-guest team member joins (Mattermost's `JoinDefaultChannels`:
   * the team's live open channels of these names). Default `defaultChannelNames` (town-square,
   * off-topic); set it to `TeamSettings.ExperimentalDefaultChannels` plus `town-square` when the
   * server has that setting, and the same list to `loadSyncState`.
   */
  readonly defaultChannelNames?: readonly string[]
  /**
   * The groups, links and managed syncables (and policy) the plan was made with: every command is
   * admitted against the re-read state with these (`admitCommands`; a revert, `context.revert`,
   * against its run's inverse: `admitForApply`). Without `context.groupLoad`,
   * Mattermost's own groups and links (of `groupSources`) are read in the same transaction instead.
   */
  readonly context?: AdmissionContext
  /** `UserGroups.Source` values whose groups and links admit commands when no group load is given. */
  readonly groupSources?: LoadSyncStateOptions['groupSources']
  /**
   * How the transaction checks the plan still fits. `'fingerprint'`: re-read the whole scope and
   * refuse (`stalePlan`) unless its fingerprint is the plan's. `'touched'`: read only the rows the
   * commands touch (their users, teams, channels, memberships; links and groups unless `context`
   * brings them), admit the commands against those (the same answer as on the whole state), and
   * refuse (`staleCommands`, when `strict`) the commands whose row changed since the plan; a change
   * elsewhere does not refuse. For a plan made in the same run, or re-checked command by command
   * (the CLI's `apply`): no second full read. Default: `'fingerprint'` when the plan has a
   * `targetFingerprint`, else `'touched'`.
   */
  readonly check?: 'fingerprint' | 'touched'
}

/**
 * A plan as `applyPlan` takes it: commands (reasons optional) and the target fingerprint (absent:
 * the `'touched'` check).
 */
export interface ApplicablePlan {
  readonly commands: readonly (SyncCommand | PlannedCommand)[]
  readonly targetFingerprint?: string
}

/**
 * Milliseconds per phase of one `applyPlan` call, for the run journal (`finishRun`'s `timings`).
 * A type alias, not an interface, so it is assignable to `Record<string, number>`.
 */
export type ApplyTimings = {
  /** Re-reading the target scope, comparing its fingerprint with the plan's, admitting the commands. */
  readonly staleCheckMs: number
  /** The commands' statements. */
  readonly writeMs: number
  /** Journaling the commands (`runId`); 0 without a run. */
  readonly journalMs: number
  /** The whole call: connecting, BEGIN and COMMIT included. */
  readonly totalMs: number
}

/** What `applyPlan` returns: core's `ApplyReport` and the phases' timings. */
export interface ApplyPlanReport extends ApplyReport {
  readonly timings: ApplyTimings
}

interface Batch {
  readonly kind: SyncCommandKind
  readonly commands: SyncCommand[]
}

/**
 * Applies a plan in one transaction, writing what Mattermost's store writes. It first re-reads the
 * target state and refuses (`stalePlan`, nothing written) when its fingerprint differs from the
 * plan's, then checks every command against that state (`admitCommands`: ids of Mattermost's form,
 * live team or `O`/`P` channel, a known user, a link or constraint that justifies it) and refuses
 * the plan (`inadmissibleCommands`, nothing written) if any is refused. A team add that creates
 * or revives a non-guest's row joins the team's default channels,
 * as Mattermost does (core's `applyPlan` models it). With `check: 'touched'` only the commands'
 * rows are read and checked instead (see `ApplyPlanOptions.check`). Direct writes bypass Mattermost's caches and
 * websocket events: use it on a stopped or offline server, or in tests.
 */
export function applyPlan(
  client: PostgresClient,
  plan: ApplicablePlan,
  options: ApplyPlanOptions = {},
): ResultAsync<ApplyPlanReport, PostgresError> {
  const now = options.now ?? Date.now()
  const teamIds = options.teamIds === undefined ? null : [...options.teamIds]
  // The stale check reads in the write transaction (over its exported snapshot when parallel), so
  // the writes apply to exactly the state that was fingerprinted.
  const connections = connectionsFor(client, options.connections)
  const started = performance.now()
  const phases = { staleCheckMs: 0, writeMs: 0, journalMs: 0 }
  // Adds the time since `since` to a phase and passes the value on.
  const lap =
    <V>(phase: keyof typeof phases, since: number) =>
    (value: V): V => {
      phases[phase] = performance.now() - since
      return value
    }
  const expected = plan.targetFingerprint
  const touched = options.check === 'touched' || expected === undefined
  return inTransaction(client, q.beginWrite, (conn) => {
    const checking = performance.now()
    const checked = touched
      ? admitTouched(conn, plan.commands, options).map(() => {
          lap('staleCheckMs', checking)(undefined)
          return performance.now()
        })
      : readTarget(client, conn, connections, teamIds).andThen((target) => {
          const actual = fingerprintTarget(target)
          if (actual !== expected)
            return errAsync<number, PostgresError>({
              kind: 'stalePlan',
              message: 'the Mattermost state changed since the plan was made; make a new plan',
              expected,
              actual,
            })
          // Admission reuses the state the stale check read; it is part of that phase.
          return admit(conn, target, plan.commands, options).map(() => {
            lap('staleCheckMs', checking)(undefined)
            return performance.now()
          })
        })
    return checked
      .andThen((writing) =>
        applyBatches(conn, toBatches(plan.commands), {
          now,
          strict: options.strict ?? true,
          defaultChannelNames: [...(options.defaultChannelNames ?? defaultChannelNames)],
          joins: new DefaultJoins(),
        }).map(lap('writeMs', writing)),
      )
      .andThen((outcomes) => {
        const journaling = performance.now()
        return journal(conn, options.runId, plan.commands, outcomes)
          .map(lap('journalMs', journaling))
          .map(() => outcomes)
      })
  }).map((outcomes): ApplyPlanReport => ({
    ...toReport(outcomes),
    timings: { ...phases, totalMs: performance.now() - started },
  }))
}

const mattermostId = /^[a-z0-9]{26}$/

/**
 * Checks every command against the re-read `target` with the caller's group load, or else with
 * Mattermost's own groups and links (read on `conn`, inside the write transaction).
 */
function admit(
  conn: PostgresQueryable,
  target: TargetState,
  commands: readonly SyncCommand[],
  options: ApplyPlanOptions,
): ResultAsync<undefined, PostgresError> {
  const load = options.context?.groupLoad
  const own =
    load !== undefined
      ? okAsync({ groups: [], links: [] })
      : readGroupsAndLinks(conn, {
          ...(options.groupSources !== undefined ? { groupSources: options.groupSources } : {}),
          ...(options.teamIds !== undefined ? { teamIds: options.teamIds } : {}),
        })
  // The stale check reads channels without default flags (not fingerprinted); joins need them.
  const names = new Set(options.defaultChannelNames ?? defaultChannelNames)
  const channels = target.channels.map((c) =>
    names.has(c.name) ? { ...c, defaultChannel: true } : c,
  )
  return own.andThen((groupsAndLinks) => {
    // A revert (`context.revert`) is admitted against its run's inverse, else as a sync's commands.
    const { refused } = admitForApply(
      commands,
      { ...target, ...groupsAndLinks, channels },
      options.context,
      { isId: (id) => mattermostId.test(id) },
    )
    return refused.length === 0
      ? okAsync(undefined)
      : errAsync<undefined, PostgresError>(inadmissibleCommands(refused, commands.length))
  })
}

/**
 * The `'touched'` check: admits the commands against the rows they touch (with the caller's group
 * load, or Mattermost's own links of those syncables), then, when strict, refuses the commands
 * whose precondition no longer holds there. Both read inside the write transaction.
 */
function admitTouched(
  conn: PostgresQueryable,
  commands: readonly SyncCommand[],
  options: ApplyPlanOptions,
): ResultAsync<undefined, PostgresError> {
  const load = options.context?.groupLoad
  const sources = options.groupSources
  return readTouchedState(conn, commands, {
    ...(options.teamIds !== undefined ? { teamIds: options.teamIds } : {}),
    defaultChannelNames: options.defaultChannelNames ?? defaultChannelNames,
    ...(load === undefined
      ? { groupSources: sources === 'all' ? null : (sources ?? ['ldap']) }
      : {}),
  }).andThen((touched) => {
    const { refused } = admitForApply(commands, touched, options.context, {
      isId: (id) => mattermostId.test(id),
    })
    if (refused.length > 0)
      return errAsync<undefined, PostgresError>(inadmissibleCommands(refused, commands.length))
    if (options.strict === false) return okAsync(undefined)
    // With the touched channels: a removal of a row an earlier team add joins is not stale.
    const stale = staleCommands(commands, touched)
    if (stale.length === 0) return okAsync(undefined)
    const shown = stale.slice(0, 5).map((s) => s.message)
    const more = stale.length > shown.length ? `; and ${stale.length - shown.length} more` : ''
    return errAsync<undefined, PostgresError>({
      kind: 'staleCommands',
      message: `refused: ${stale.length} of ${commands.length} commands no longer fit the rows they touch, nothing was written: ${shown.join('; ')}${more}`,
      stale,
    })
  })
}

// Consecutive commands of one kind on distinct rows commute, so each such run is one statement.
function toBatches(commands: readonly SyncCommand[]): Batch[] {
  const batches: Batch[] = []
  let current: Batch | undefined
  let keys = new Set<string>()
  for (const command of commands) {
    const key = commandKey(command)
    if (current?.kind !== command.kind || keys.has(key)) {
      current = { kind: command.kind, commands: [] }
      keys = new Set()
      batches.push(current)
    }
    keys.add(key)
    current.commands.push(command)
  }
  return batches
}

/** What every batch of one apply shares. */
interface ApplyContext {
  readonly now: number
  readonly strict: boolean
  readonly defaultChannelNames: string[]
  readonly joins: DefaultJoins
}

function applyBatches(
  conn: PostgresQueryable,
  batches: readonly Batch[],
  context: ApplyContext,
): ResultAsync<CommandOutcome[], PostgresError> {
  let chain: ResultAsync<CommandOutcome[], PostgresError> = okAsync([])
  for (const batch of batches) {
    chain = chain.andThen((outcomes) =>
      applyBatch(conn, batch, context).andThen((done) => {
        for (const command of batch.commands) {
          const key = `${syncableId(command)}\u0000${command.userId}`
          if (done.has(key)) outcomes.push({ kind: 'done', command })
          else if (context.strict)
            return errAsync<CommandOutcome[], PostgresError>(unexpected(command))
          else outcomes.push({ kind: 'already', command })
        }
        return okAsync(outcomes)
      }),
    )
  }
  return chain
}

/**
 * Runs one batch; returns the `syncable\0user` keys of the rows it changed, and keeps `joins` (the
 * rows default-joined so far) up to date.
 */
function applyBatch(
  conn: PostgresQueryable,
  batch: Batch,
  { now, defaultChannelNames: names, joins }: ApplyContext,
): ResultAsync<Set<string>, PostgresError> {
  const syncables = batch.commands.map(syncableId)
  const users = batch.commands.map((c) => c.userId)
  const doing = `applying ${batch.commands.length} ${batch.kind} command(s)`
  const roles = (): [boolean[], boolean[]] => [
    batch.commands.map((c) => 'role' in c && c.role === 'admin'),
    batch.commands.map((c) => 'role' in c && c.role === 'guest'),
  ]
  const admins = (): boolean[] => batch.commands.map((c) => 'schemeAdmin' in c && c.schemeAdmin)
  const notify = JSON.stringify(defaultNotifyProps)
  const [text, values] = match<SyncCommandKind, [string, unknown[]]>(batch.kind)
    .with('addTeamMember', () => [
      q.addTeamMembers,
      [syncables, users, ...roles(), now, notify, names],
    ])
    .with('addChannelMember', () => [
      q.addChannelMembers,
      [
        syncables,
        users,
        ...roles(),
        now,
        notify,
        batch.commands.map((c, i) => joins.has(syncables[i] ?? '', c.userId)),
      ],
    ])
    .with('setTeamMemberAdmin', () => [q.setTeamMemberAdmins, [syncables, users, admins()]])
    .with('setChannelMemberAdmin', () => [q.setChannelMemberAdmins, [syncables, users, admins()]])
    .with('removeTeamMember', () => [q.removeTeamMembers, [syncables, users, now]])
    .with('removeChannelMember', () => [q.removeChannelMembers, [syncables, users, now]])
    .exhaustive()
  return runArrays(conn, doing, text, values).map((rows) => {
    const done = new Set<string>()
    for (const r of rows) {
      // A team add's rows: ('team', team, user, NULL) or ('channel', channel, user, team).
      if (batch.kind === 'addTeamMember') {
        if (r[0] === 'channel') joins.add(String(r[1]), String(r[2]), String(r[3]))
        else done.add(`${String(r[1])}\u0000${String(r[2])}`)
        continue
      }
      done.add(`${String(r[0])}\u0000${String(r[1])}`)
      if (batch.kind === 'removeChannelMember') joins.forgetChannel(String(r[0]), String(r[1]))
      if (batch.kind === 'removeTeamMember') joins.forgetTeam(String(r[0]), String(r[1]))
    }
    return done
  })
}

function syncableId(command: SyncCommand): string {
  return 'teamId' in command ? command.teamId : command.channelId
}

function unexpected(command: SyncCommand): PostgresError {
  const expectation = match(command.kind)
    .with('addTeamMember', 'addChannelMember', () => 'not to be an active member')
    .with(
      'setTeamMemberAdmin',
      'setChannelMemberAdmin',
      () => 'to be an active member whose SchemeAdmin differs',
    )
    .with('removeTeamMember', 'removeChannelMember', () => 'to be an active member')
    .exhaustive()
  return {
    kind: 'unexpectedRow',
    message: `${command.kind} expected user ${command.userId} in ${syncableId(command)} ${expectation}; nothing was written`,
    command,
  }
}

function journal(
  conn: PostgresQueryable,
  runId: number | undefined,
  commands: readonly (SyncCommand | PlannedCommand)[],
  outcomes: readonly CommandOutcome[],
): ResultAsync<void, PostgresError> {
  if (runId === undefined || commands.length === 0) return okAsync(undefined)
  const entries = outcomes.map((o, i) => {
    const planned = commands[i]
    return {
      command: toSyncCommand(o.command),
      reason: planned !== undefined && 'reason' in planned ? planned.reason : null,
      outcome: o.kind,
    }
  })
  return run(conn, 'journaling the applied commands', q.insertRunCommands, [
    runId,
    JSON.stringify(entries),
  ]).map(() => undefined)
}

function toReport(outcomes: readonly CommandOutcome[]): ApplyReport {
  const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
    SyncCommandKind,
    number
  >
  for (const o of outcomes) if (o.kind === 'done') counts[o.command.kind]++
  return { outcomes, counts }
}
