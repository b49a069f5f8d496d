import {
  admitForApply,
  fingerprintTarget,
  inadmissibleCommands,
  syncCommandKinds,
  type ApplyContext,
  type ChannelHistory,
  type SyncCommand,
  type SyncCommandKind,
  type StaleRow,
  type SyncState,
} from '@grouproles/core'
import { errAsync, ResultAsync } from 'neverthrow'
import { match } from 'ts-pattern'
import type { ApiChannelMember, ApiTeamMember } from './api-types.js'
import { checkTouched, type CheckTouchedOptions } from './check-touched.js'
import { isMattermostId } from './is-mattermost-id.js'
import { loadSyncState, type LoadSyncStateOptions } from './load-sync-state.js'
import { maxChannelBatch, maxTeamBatch, type MattermostClient } from './mattermost-client.js'
import {
  groupConstrainedErrorIds,
  isTransientError,
  type MattermostError,
} from './mattermost-error.js'

/** What became of one command: its effect was made (`done`), already held, or could not be made. */
export type MattermostCommandOutcome =
  | { readonly kind: 'done'; readonly command: SyncCommand }
  | { readonly kind: 'already'; readonly command: SyncCommand }
  | {
      readonly kind: 'failed'
      readonly command: SyncCommand
      readonly error: MattermostError
      /** The failure may go away on its own (429, 5xx, network, timeout): a later run can retry. */
      readonly retryable: boolean
    }

/**
 * Sent after each finished batch (a team add batch, a channel add chunk), every `progressEvery`
 * single calls, and at the end of each step. `completed` counts commands with an outcome so far.
 */
export interface ApplyProgress {
  readonly completed: number
  readonly total: number
  readonly failed: number
  readonly kind: SyncCommandKind
}

/** The outcome of every command, in plan order, with counts. */
export interface MattermostApplyReport {
  readonly outcomes: readonly MattermostCommandOutcome[]
  /** Commands whose effect holds afterwards (`done` + `already`), per kind. */
  readonly counts: Readonly<Record<SyncCommandKind, number>>
  readonly done: number
  readonly already: number
  readonly failed: number
}

/** Options of `applyPlan`; `E` is what `loadTarget` may fail with besides `MattermostError`. */
export interface ApplyPlanOptions<E = never> {
  readonly onProgress?: (progress: ApplyProgress) => void
  /** Single calls (role changes, removals, one-by-one adds) per progress event. Default 100. */
  readonly progressEvery?: number
  /**
   * How the apply checks the plan still fits. `'fingerprint'`: re-read the whole target
   * (`loadTarget`), refuse (`stalePlan`) when verifying and its fingerprint is not the plan's, and
   * admit every command against it. `'touched'`: just before each batch (each run of commands of
   * one kind), read only the rows its commands touch (`readTouchedState`: their users, teams,
   * channels and membership rows), admit them against those (the same answer as on the whole
   * state), and refuse (`staleCommands`, when `strict`) the commands whose row changed since the
   * plan; a change elsewhere does not refuse. The first check covers the whole plan: a refusal
   * there fails the call with nothing sent. A later batch's refusal (the server changed during the
   * apply) sends nothing of it or after it: those commands fail with the refusal. For a plan made
   * in the same run, or re-checked command by command (the CLI's `apply`): no second full read.
   * Default: `'fingerprint'` when the plan has a `targetFingerprint`, `verifyFingerprint` is true
   * or `loadTarget` is given, else `'touched'`.
   */
  readonly check?: 'fingerprint' | 'touched'
  /**
   * `true` (default): the touched check refuses commands whose row is not as a fresh plan expects
   * (an add finds an active member, a removal none, a role change the same flag). `false`:
   * admission only, and commands whose effect already holds are reported `already`.
   */
  readonly strict?: boolean
  /**
   * What the plan's state was loaded with (`loadSyncState`'s scope, default channel names and
   * groups): the touched check reads with it. Default: `loadSyncState`'s defaults.
   */
  readonly loadOptions?: Pick<
    LoadSyncStateOptions,
    'teamIds' | 'teamNames' | 'defaultChannelNames' | 'groups' | 'isSyncedSource' | 'limits'
  >
  /**
   * With `check: 'fingerprint'`: refuse the plan (`stalePlan`) if `fingerprintTarget` of the
   * re-read differs from `plan.targetFingerprint`. Default: true when the plan carries a fingerprint.
   */
  readonly verifyFingerprint?: boolean
  /**
   * With `check: 'fingerprint'`: how to re-read the target; must match how the plan's state was
   * read. Default `loadSyncState(client)`.
   */
  readonly loadTarget?: () => ResultAsync<SyncState, MattermostError | E>
  /**
   * The groups, links and managed syncables (and policy) the plan was made with: every command is
   * admitted against the re-read target with these (`admitCommands`; a revert, `context.revert`,
   * against its run's inverse: `admitForApply`); without `groupLoad`, against
   * the target's own groups and links (an Enterprise server's; Team Edition has none).
   */
  readonly context?: ApplyContext
}

/** A plan as `applyPlan` takes it: core's `SyncPlan` or a bare command list. */
export interface ApplicablePlan {
  readonly commands: readonly SyncCommand[]
  readonly targetFingerprint?: string
}

/**
 * Executes a plan's commands through the REST API in plan order: team adds in graceful batches of
 * 256, channel adds in batches of 1000 `user_ids`, scheme roles via `…/schemeRoles`, removals via
 * DELETE. One failure never stops the rest; every command gets an outcome. Before any write the
 * plan is checked (`check`: the whole target re-read, or only the rows the commands touch) for
 * staleness and for admission: a command no sync could have planned (a D channel, a team no link
 * reaches, a malformed id) refuses the whole plan with `inadmissibleCommands`, nothing sent. Only
 * these checks can fail the whole call.
 */
export function applyPlan<E = never>(
  client: MattermostClient,
  plan: ApplicablePlan,
  options: ApplyPlanOptions<E> = {},
): ResultAsync<MattermostApplyReport, MattermostError | E> {
  const expected = plan.targetFingerprint
  const check =
    options.check ??
    (expected !== undefined ||
    options.verifyFingerprint === true ||
    options.loadTarget !== undefined
      ? 'fingerprint'
      : 'touched')
  if (check === 'touched') return applyTouched(client, plan.commands, options)
  const verify = options.verifyFingerprint ?? expected !== undefined
  const run = (): ResultAsync<MattermostApplyReport, MattermostError | E> =>
    ResultAsync.fromSafePromise(execute(client, plan.commands, new Run(plan.commands, options)))
  if (verify && expected === undefined) {
    return errAsync({
      kind: 'invalidArgument',
      message: 'verifyFingerprint needs a plan with targetFingerprint',
    })
  }
  // One read serves both checks; without the stale check it is still needed for admission.
  const load = options.loadTarget ?? (() => loadSyncState(client))
  return load().andThen((state) => {
    const actual = fingerprintTarget(state)
    if (verify && actual !== expected) {
      return errAsync<MattermostApplyReport, MattermostError | E>({
        kind: 'stalePlan',
        expected: expected ?? '',
        actual,
        message: 'Mattermost changed since the plan was made; plan again',
      })
    }
    // A revert (`context.revert`) is admitted against its run's inverse, else as a sync's commands.
    const { refused } = admitForApply(plan.commands, state, options.context, {
      isId: isMattermostId,
    })
    if (refused.length > 0)
      return errAsync<MattermostApplyReport, MattermostError | E>(
        inadmissibleCommands(refused, plan.commands.length),
      )
    return run()
  })
}

// The touched check of the whole plan first (a refusal sends nothing), then of each later batch
// just before it is sent, against what the earlier batches left.
function applyTouched<E>(
  client: MattermostClient,
  commands: readonly SyncCommand[],
  options: ApplyPlanOptions<E>,
): ResultAsync<MattermostApplyReport, MattermostError | E> {
  const base: CheckTouchedOptions = {
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(options.loadOptions !== undefined ? { read: options.loadOptions } : {}),
    strict: options.strict ?? true,
  }
  // Nothing to send, nothing to check: an empty plan (a no-change run) reads nothing.
  if (commands.length === 0)
    return ResultAsync.fromSafePromise(
      execute(client, commands, new Run(commands, options), () => Promise.resolve(undefined)),
    )
  return checkTouched(client, commands, base).andThen((state) => {
    const run = new Run(commands, options)
    const teamOf = new Map(state.channels.map((c) => [c.id, c.teamId]))
    // Mattermost's own groups are read whole (there is no read by member), once per apply: the
    // later batches admit with that read rather than repeat it.
    const own = options.context?.groupLoad === undefined && options.loadOptions?.groups !== 'none'
    const later: CheckTouchedOptions = own
      ? {
          ...base,
          context: {
            ...options.context,
            groupLoad: { groups: state.groups, links: state.links, managed: [] },
          },
        }
      : base
    return ResultAsync.fromSafePromise(
      execute(client, commands, run, (start, end) =>
        recheck(client, commands, { start, end }, run, teamOf, later),
      ),
    )
  })
}

/**
 * The touched check of the batch `commands[start, end)` after the earlier ones were sent. The
 * earlier team adds come along as context (they justify a default-channel join),
 * and a row the apply's own writes changed on the server's side is no stale row: a default-channel
 * join of a user this apply added to the team, a channel row gone with this apply's team removal,
 * a guest's team row gone with their last channel. Resolves to the refusal, if any.
 */
async function recheck(
  client: MattermostClient,
  commands: readonly SyncCommand[],
  { start, end }: { readonly start: number; readonly end: number },
  run: Run,
  teamOf: Map<string, string>,
  base: CheckTouchedOptions,
): Promise<MattermostError | undefined> {
  const step = commands.slice(start, end)
  const joining = new Set(step.filter((c) => c.kind === 'addChannelMember').map((c) => c.userId))
  const context: Indexed<SyncCommand>[] = []
  const teamRowsRemoved = new Set<string>()
  const channelRowsRemoved = new Set<string>()
  for (let i = 0; i < start; i++) {
    const c = commands[i]
    // A failed team add still justifies its default-channel join (admission asks what a sync
    // plans): the channel add then fails at the server on its own, not the whole batch here.
    if (c?.kind === 'addTeamMember' && joining.has(c.userId)) context.push({ index: i, command: c })
    const o = run.outcomes[i]
    if (c === undefined || o === undefined || o.kind === 'failed') continue
    if (c.kind === 'removeTeamMember') teamRowsRemoved.add(`${c.teamId}:${c.userId}`)
    const team = c.kind === 'removeChannelMember' ? teamOf.get(c.channelId) : undefined
    if (team !== undefined) channelRowsRemoved.add(`${team}:${c.userId}`)
  }
  const explained = ({ command: c }: StaleRow): boolean =>
    match(c)
      .with({ kind: 'addChannelMember' }, (x) => run.wasAbsent(x.channelId, x.userId))
      .with({ kind: 'removeChannelMember' }, (x) =>
        teamRowsRemoved.has(`${teamOf.get(x.channelId) ?? ''}:${x.userId}`),
      )
      .with({ kind: 'removeTeamMember' }, (x) => channelRowsRemoved.has(`${x.teamId}:${x.userId}`))
      .with(
        { kind: 'addTeamMember' },
        { kind: 'setTeamMemberAdmin' },
        { kind: 'setChannelMemberAdmin' },
        () => false,
      )
      .exhaustive()
  const checked = await checkTouched(client, [...context.map((x) => x.command), ...step], {
    ...base,
    positions: [...context.map((x) => x.index), ...step.map((_, i) => start + i)],
    contextCount: context.length,
    explained,
  })
  if (checked.isErr()) return checked.error
  for (const c of checked.value.channels) teamOf.set(c.id, c.teamId)
  return undefined
}

type Indexed<C extends SyncCommand> = { readonly index: number; readonly command: C }

// One apply: collects the outcomes, sends progress events (only when something new finished), and
// remembers which channel rows were absent just before this apply added their user to a team: the
// server joins a new team member to the team's default channels, and a plan's add of such a row
// must still set the plan's role.
class Run {
  readonly outcomes: (MattermostCommandOutcome | undefined)[]
  kind: SyncCommandKind = 'addTeamMember'
  readonly #onProgress: ((progress: ApplyProgress) => void) | undefined
  readonly #every: number
  #completed = 0
  #failed = 0
  #reported = 0
  readonly #commands: readonly SyncCommand[]
  // Channel adds of the plan per user, for the snapshot before a team add.
  #channelAddsByUser: Map<string, string[]> | undefined
  // `channelId:userId` rows that did not exist just before this apply added the user to a team.
  readonly #absentBeforeTeamAdd = new Set<string>()

  constructor(
    commands: readonly SyncCommand[],
    options: Pick<ApplyPlanOptions, 'onProgress' | 'progressEvery'>,
  ) {
    this.#commands = commands
    this.outcomes = new Array<MattermostCommandOutcome | undefined>(commands.length)
    this.#onProgress = options.onProgress
    this.#every = Math.max(1, options.progressEvery ?? 100)
  }

  /** The plan's channel adds for these users, as channel id -> user ids. */
  channelAddsOf(userIds: readonly string[]): Map<string, string[]> {
    if (this.#channelAddsByUser === undefined) {
      this.#channelAddsByUser = new Map()
      for (const c of this.#commands) {
        if (c.kind !== 'addChannelMember') continue
        let list = this.#channelAddsByUser.get(c.userId)
        if (list === undefined) this.#channelAddsByUser.set(c.userId, (list = []))
        list.push(c.channelId)
      }
    }
    const out = new Map<string, Set<string>>()
    for (const userId of userIds) {
      for (const channelId of this.#channelAddsByUser.get(userId) ?? []) {
        let users = out.get(channelId)
        if (users === undefined) out.set(channelId, (users = new Set()))
        users.add(userId)
      }
    }
    return new Map([...out].map(([channelId, users]) => [channelId, [...users]]))
  }

  /** The row had not been there before this apply's team add of the user. */
  markAbsent(channelId: string, userId: string): void {
    this.#absentBeforeTeamAdd.add(`${channelId}:${userId}`)
  }

  /** Whether the row, if it exists now, appeared after this apply's team add of the user. */
  wasAbsent(channelId: string, userId: string): boolean {
    return this.#absentBeforeTeamAdd.has(`${channelId}:${userId}`)
  }

  set(index: number, outcome: MattermostCommandOutcome): void {
    if (this.outcomes[index] === undefined) {
      this.#completed++
      if (outcome.kind === 'failed') this.#failed++
    }
    this.outcomes[index] = outcome
  }

  /** After a batch: one event for whatever finished since the last one. */
  batchDone(): void {
    this.#report(1)
  }

  /** After a single call: an event once `progressEvery` commands finished since the last one. */
  singleDone(): void {
    this.#report(this.#every)
  }

  #report(atLeast: number): void {
    if (this.#onProgress === undefined || this.#completed - this.#reported < atLeast) return
    this.#reported = this.#completed
    this.#onProgress({
      completed: this.#completed,
      total: this.outcomes.length,
      failed: this.#failed,
      kind: this.kind,
    })
  }
}

async function execute(
  client: MattermostClient,
  commands: readonly SyncCommand[],
  run: Run,
  recheck?: (start: number, end: number) => Promise<MattermostError | undefined>,
): Promise<MattermostApplyReport> {
  // Consecutive commands of one kind form a step; steps run in plan order, so a plan's channel
  // adds start only after its team adds have finished.
  for (let start = 0; start < commands.length;) {
    const first = commands[start]
    if (first === undefined) break
    let end = start
    while (end < commands.length && commands[end]?.kind === first.kind) end++
    const step = commands.slice(start, end).map((command, i) => ({ index: start + i, command }))
    run.kind = first.kind
    // The first step was checked with the whole plan. A refused later one means the server
    // changed during the apply: the rest was planned from a state that is gone, so none of it goes.
    const refusal = start > 0 ? await recheck?.(start, end) : undefined
    if (refusal !== undefined) {
      commands.slice(start).forEach((c, i) => {
        run.set(start + i, failed(c, refusal))
      })
      run.batchDone()
      break
    }
    await runStep(client, first.kind, step, run)
    run.batchDone()
    start = end
  }
  return report(run.outcomes)
}

function runStep(
  client: MattermostClient,
  kind: SyncCommandKind,
  step: readonly Indexed<SyncCommand>[],
  run: Run,
): Promise<void> {
  return match(kind)
    .with('addTeamMember', () =>
      inRounds(step, (round) => addTeamMembers(client, narrow(round, 'addTeamMember'), run)),
    )
    .with('addChannelMember', () =>
      inRounds(step, (round) => addChannelMembers(client, narrow(round, 'addChannelMember'), run)),
    )
    .with(
      'setTeamMemberAdmin',
      'setChannelMemberAdmin',
      'removeTeamMember',
      'removeChannelMember',
      () =>
        inRounds(step, (round) =>
          Promise.all(
            round.map(async (c) => {
              await single(client, c, run)
              run.singleDone()
            }),
          ).then(() => undefined),
        ),
    )
    .exhaustive()
}

// A repeated (syncable, user) pair goes to a later round, so commands on one pair keep plan order.
async function inRounds<C extends SyncCommand>(
  step: readonly Indexed<C>[],
  run: (round: readonly Indexed<C>[]) => Promise<void>,
): Promise<void> {
  let rest = step
  while (rest.length > 0) {
    const seen = new Set<string>()
    const round: Indexed<C>[] = []
    const later: Indexed<C>[] = []
    for (const item of rest) {
      const key = pairKey(item.command)
      if (seen.has(key)) later.push(item)
      else {
        seen.add(key)
        round.push(item)
      }
    }
    await run(round)
    rest = later
  }
}

function pairKey(c: SyncCommand): string {
  return `${'teamId' in c ? c.teamId : c.channelId}:${c.userId}`
}

function narrow<K extends SyncCommandKind>(
  items: readonly Indexed<SyncCommand>[],
  kind: K,
): Indexed<Extract<SyncCommand, { kind: K }>>[] {
  return items.filter(
    (i): i is Indexed<Extract<SyncCommand, { kind: K }>> => i.command.kind === kind,
  )
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    let list = out.get(k)
    if (list === undefined) out.set(k, (list = []))
    list.push(item)
  }
  return out
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

type TeamAdd = Indexed<Extract<SyncCommand, { kind: 'addTeamMember' }>>
type ChannelAdd = Indexed<Extract<SyncCommand, { kind: 'addChannelMember' }>>

async function addTeamMembers(
  client: MattermostClient,
  items: readonly TeamAdd[],
  run: Run,
): Promise<void> {
  await Promise.all(
    [...groupBy(items, (i) => i.command.teamId)].map(async ([teamId, list]) => {
      // Read first: an add of an existing member returns it unchanged, indistinguishable from a
      // new one, and its role must not be rewritten by the fix-up below.
      const existing = await client.getTeamMembersByIds(
        teamId,
        list.map((i) => i.command.userId),
      )
      if (existing.isErr()) {
        for (const i of list) run.set(i.index, failed(i.command, existing.error))
        return
      }
      const active = new Set(existing.value.filter((m) => m.delete_at === 0).map((m) => m.user_id))
      const todo = list.filter((i) => {
        if (!active.has(i.command.userId)) return true
        run.set(i.index, { kind: 'already', command: i.command })
        return false
      })
      await snapshotChannelRows(
        client,
        todo.map((i) => i.command.userId),
        run,
      )
      await Promise.all(
        chunks(todo, maxTeamBatch).map(async (b) => {
          await addTeamBatch(client, teamId, b, run)
          run.batchDone()
        }),
      )
    }),
  )
}

async function addTeamBatch(
  client: MattermostClient,
  teamId: string,
  batch: readonly TeamAdd[],
  run: Run,
): Promise<void> {
  const result = await client.addTeamMembers(
    teamId,
    batch.map((i) => i.command.userId),
  )
  if (result.isErr()) {
    // A group-constrained team refuses the whole batch if one user is not in its groups: retry
    // one by one so the others still get in and only the refused ones fail.
    if (result.error.kind === 'groupConstrained' && batch.length > 1) {
      await Promise.all(
        batch.map(async (i) => {
          await addTeamBatch(client, teamId, [i], run)
          run.singleDone()
        }),
      )
      return
    }
    for (const i of batch) run.set(i.index, failed(i.command, result.error))
    return
  }
  const byUser = new Map(result.value.map((r) => [r.user_id, r]))
  await Promise.all(
    batch.map(async (i) => {
      const entry = byUser.get(i.command.userId)
      if (entry?.member !== undefined && entry.error === undefined) {
        const outcome = await fixRole(i.command, entry.member, (admin) =>
          client.updateTeamMemberSchemeAdmin(teamId, i.command.userId, admin),
        )
        run.set(i.index, outcome)
        return
      }
      const e = entry?.error
      const error =
        e === undefined
          ? skipped(i.command.userId, `team ${teamId}`)
          : memberError(
              e.id,
              e.status_code ?? 400,
              e.message,
              'POST',
              `/teams/${teamId}/members/batch`,
            )
      run.set(i.index, failed(i.command, error))
    }),
  )
}

async function addChannelMembers(
  client: MattermostClient,
  items: readonly ChannelAdd[],
  run: Run,
): Promise<void> {
  await Promise.all(
    [...groupBy(items, (i) => i.command.channelId)].map(async ([channelId, list]) => {
      const existing = await client.getChannelMembersByIds(
        channelId,
        list.map((i) => i.command.userId),
      )
      if (existing.isErr()) {
        for (const i of list) run.set(i.index, failed(i.command, existing.error))
        return
      }
      const present = new Map(existing.value.map((m) => [m.user_id, m]))
      const todo: ChannelAdd[] = []
      await Promise.all(
        list.map(async (i) => {
          const row = present.get(i.command.userId)
          if (row === undefined) todo.push(i)
          else run.set(i.index, await existingChannelRow(client, i, row, run))
        }),
      )
      await Promise.all(
        chunks(todo, maxChannelBatch).map(async (b) => {
          await addChannelBatch(client, channelId, b, run)
          run.batchDone()
        }),
      )
    }),
  )
}

// Before users join a team, the rows the plan will add them to in channels: a row that is absent
// now and there at the channel add was made by the server's default-channel join (or raced in),
// and gets the plan's role like a new one. A failed read leaves those rows treated as existing.
async function snapshotChannelRows(
  client: MattermostClient,
  userIds: readonly string[],
  run: Run,
): Promise<void> {
  await Promise.all(
    [...run.channelAddsOf(userIds)].map(async ([channelId, users]) => {
      const rows = await client.getChannelMembersByIds(channelId, users)
      if (rows.isErr()) return
      const present = new Set(rows.value.map((m) => m.user_id))
      for (const u of users) if (!present.has(u)) run.markAbsent(channelId, u)
    }),
  )
}

// An existing row is left as it is (and reported `already`), unless it appeared after this
// apply's team add of the user: then the plan's role wins, as for a new member.
function existingChannelRow(
  client: MattermostClient,
  item: ChannelAdd,
  row: ApiChannelMember,
  run: Run,
): Promise<MattermostCommandOutcome> | MattermostCommandOutcome {
  const { command } = item
  if (!run.wasAbsent(command.channelId, command.userId)) return { kind: 'already', command }
  return fixRole(command, row, (admin) =>
    client.updateChannelMemberSchemeAdmin(command.channelId, command.userId, admin),
  )
}

async function addChannelBatch(
  client: MattermostClient,
  channelId: string,
  batch: readonly ChannelAdd[],
  run: Run,
): Promise<void> {
  const result = await client.addChannelMembers(
    channelId,
    batch.map((i) => i.command.userId),
  )
  if (result.isErr()) {
    // The server fails a multi-add when the group check refuses the list or no user got in; one
    // by one then tells each user's own reason. A transient failure (already retried by the
    // client) says nothing about the users, and up to 1000 single adds would only load a
    // struggling server: the whole batch fails, for the next run to retry.
    if (batch.length > 1 && refusesUsers(result.error)) {
      await Promise.all(
        batch.map(async (i) => {
          await addChannelBatch(client, channelId, [i], run)
          run.singleDone()
        }),
      )
      return
    }
    for (const i of batch) run.set(i.index, failed(i.command, result.error))
    return
  }
  const byUser = new Map<string, ApiChannelMember>(result.value.map((m) => [m.user_id, m]))
  await Promise.all(
    batch.map(async (i) => {
      const member = byUser.get(i.command.userId)
      const outcome =
        member === undefined
          ? failed(i.command, skipped(i.command.userId, `channel ${channelId}`))
          : await fixRole(i.command, member, (admin) =>
              client.updateChannelMemberSchemeAdmin(channelId, i.command.userId, admin),
            )
      run.set(i.index, outcome)
    }),
  )
}

// Refusals of the channel or the request itself: one by one would be refused the same way.
const wholeRequestErrorIds: ReadonlySet<string> = new Set([
  'app.channel.get.existing.app_error',
  'api.channel.add_user_to_channel.type.app_error',
  'api.channel.add_members.too_many.app_error',
  'api.context.invalid_body_param.app_error',
  'api.context.permissions.app_error',
])

// A 4xx about the list's users (the group check, "none of them could be added"), not about the
// caller or the channel.
function refusesUsers(error: MattermostError): boolean {
  return match(error)
    .with({ kind: 'groupConstrained' }, () => true)
    .with(
      { kind: 'http' },
      (e) =>
        e.status >= 400 &&
        e.status < 500 &&
        e.status !== 401 &&
        e.status !== 429 &&
        !(e.errorId !== undefined && wholeRequestErrorIds.has(e.errorId)),
    )
    .with(
      { kind: 'rateLimited' },
      { kind: 'network' },
      { kind: 'timeout' },
      { kind: 'invalidResponse' },
      { kind: 'invalidId' },
      { kind: 'invalidArgument' },
      { kind: 'skipped' },
      { kind: 'stalePlan' },
      { kind: 'unknownTeam' },
      { kind: 'linkNotFound' },
      { kind: 'readLimit' },
      { kind: 'inadmissibleCommands' },
      { kind: 'staleCommands' },
      () => false,
    )
    .exhaustive()
}

// The server derives a new member's SchemeAdmin from its own group rules; the plan's role wins.
async function fixRole(
  command: Extract<SyncCommand, { kind: 'addTeamMember' | 'addChannelMember' }>,
  member: ApiTeamMember | ApiChannelMember,
  set: (admin: boolean) => ResultAsync<void, MattermostError>,
): Promise<MattermostCommandOutcome> {
  const wantAdmin = command.role === 'admin'
  if (member.scheme_guest || member.scheme_admin === wantAdmin) return { kind: 'done', command }
  const r = await set(wantAdmin)
  return r.isOk() ? { kind: 'done', command } : failed(command, r.error)
}

async function single(
  client: MattermostClient,
  item: Indexed<SyncCommand>,
  run: Run,
): Promise<void> {
  const c = item.command
  const call = match(c)
    .with({ kind: 'setTeamMemberAdmin' }, (x) =>
      client.updateTeamMemberSchemeAdmin(x.teamId, x.userId, x.schemeAdmin),
    )
    .with({ kind: 'setChannelMemberAdmin' }, (x) =>
      client.updateChannelMemberSchemeAdmin(x.channelId, x.userId, x.schemeAdmin),
    )
    .with({ kind: 'removeTeamMember' }, (x) => client.removeTeamMember(x.teamId, x.userId))
    .with({ kind: 'removeChannelMember' }, (x) => client.removeChannelMember(x.channelId, x.userId))
    .with({ kind: 'addTeamMember' }, { kind: 'addChannelMember' }, () => {
      throw new Error('adds are batched, never sent one by one')
    })
    .exhaustive()
  const r = await call
  run.set(
    item.index,
    r.match<MattermostCommandOutcome>(
      () => ({ kind: 'done', command: c }),
      (error) =>
        isRemoval(c) && isMissingMember(error) ? { kind: 'already', command: c } : failed(c, error),
    ),
  )
}

/**
 * The channel joins a report shows (added or already there), as history rows to keep and pass to
 * the next `loadSyncState` via `channelHistory`: the API itself cannot tell who left a channel.
 */
export function channelHistoryOf(report: MattermostApplyReport): ChannelHistory[] {
  return report.outcomes.flatMap((o) =>
    o.kind !== 'failed' && o.command.kind === 'addChannelMember'
      ? [{ channelId: o.command.channelId, userId: o.command.userId }]
      : [],
  )
}

function isRemoval(c: SyncCommand): boolean {
  return c.kind === 'removeTeamMember' || c.kind === 'removeChannelMember'
}

// "Not a member" on a removal means the effect already holds: 404 for a channel, and 400
// `api.team.remove_user_from_team.missing.app_error` for a team the user never joined.
function isMissingMember(error: MattermostError): boolean {
  return (
    error.kind === 'http' &&
    ((error.status === 404 &&
      (error.errorId === 'app.team.get_member.missing.app_error' ||
        error.errorId === 'app.channel.get_member.missing.app_error')) ||
      (error.status === 400 &&
        error.errorId === 'api.team.remove_user_from_team.missing.app_error'))
  )
}

function failed(command: SyncCommand, error: MattermostError): MattermostCommandOutcome {
  return { kind: 'failed', command, error, retryable: isTransientError(error) }
}

function skipped(userId: string, where: string): MattermostError {
  return { kind: 'skipped', userId, message: `the server did not add the user to ${where}` }
}

function memberError(
  errorId: string | undefined,
  status: number,
  message: string,
  method: string,
  path: string,
): MattermostError {
  return errorId !== undefined && groupConstrainedErrorIds.has(errorId)
    ? { kind: 'groupConstrained', status, errorId, message, method, path }
    : { kind: 'http', status, errorId, message, method, path }
}

function report(list: readonly (MattermostCommandOutcome | undefined)[]): MattermostApplyReport {
  const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
    SyncCommandKind,
    number
  >
  const outcomes: MattermostCommandOutcome[] = []
  let done = 0
  let already = 0
  let failedCount = 0
  for (const o of list) {
    if (o === undefined) throw new Error('applyPlan: a command got no outcome')
    outcomes.push(o)
    if (o.kind === 'failed') failedCount++
    else {
      counts[o.command.kind]++
      if (o.kind === 'done') done++
      else already++
    }
  }
  return { outcomes, counts, done, already, failed: failedCount }
}
