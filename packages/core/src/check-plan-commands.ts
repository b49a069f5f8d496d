import { match } from 'ts-pattern'
import type { SyncableRef, SyncState } from './model.js'
import { escapeForTerminal } from './plan-file.js'
import { isConstrained } from './rules.js'
import {
  commandSyncable,
  type HoldReason,
  type PlannedCommand,
  type SyncCommand,
  type SyncPlan,
} from './sync-command.js'

/**
 * Why a command of a plan file is no longer what a fresh plan would do, when nothing else plans
 * the same membership now.
 */
export type NoLongerPlannedWhy =
  | 'userGone'
  | 'syncableGone'
  | 'alreadyMember'
  | 'alreadyRole'
  | 'notAMember'
  | 'inLinkedGroup'
  | 'groupUnavailable'
  | 'notManaged'
  /** No state was passed, or the state shows no simpler cause: plan again to see why. */
  | 'stateChanged'

/** Why one command of a plan file is stale. */
export type StaleCause =
  /** The fresh plan changes the same membership differently (another kind, role or flag). */
  | { readonly kind: 'changed'; readonly now: PlannedCommand }
  /** The fresh plan holds the same command back (a safety limit, or left to Mattermost). */
  | { readonly kind: 'held'; readonly hold: HoldReason }
  /** The same command appears earlier in the file. */
  | { readonly kind: 'duplicate'; readonly firstIndex: number }
  /** The fresh plan does nothing to this membership. */
  | { readonly kind: 'noLongerPlanned'; readonly why: NoLongerPlannedWhy }

/** A command of a plan file that the fresh plan no longer makes, with a sentence saying why. */
export interface StaleCommand<C extends SyncCommand = SyncCommand> {
  /** Its position in the commands passed in. */
  readonly index: number
  readonly command: C
  readonly cause: StaleCause
  /** For people, names escaped for a terminal: "carol was re-added to mm_rl_infra since the plan". */
  readonly message: string
}

/** The commands of a plan file split into those a fresh plan still makes and those it does not. */
export interface PlanCommandsCheck<C extends SyncCommand = SyncCommand> {
  /** Still planned now, exactly (same kind, syncable, user, role or flag): safe to apply. */
  readonly current: readonly C[]
  readonly stale: readonly StaleCommand<C>[]
}

/** Options of `checkPlanCommands`. */
export interface CheckPlanCommandsOptions {
  /** The state `fresh` was planned from: lets the sentences say why a command is stale. */
  readonly state?: SyncState
  /** Display names by id, from the live state (never from the file); `state` names otherwise. */
  readonly names?: Readonly<Record<string, string>>
}

/**
 * Per-command staleness: re-load, re-plan (`fresh`), then check each command of a plan file
 * against the fresh plan. A command is current when the fresh plan makes exactly the same change
 * to the same membership; reasons may differ. Changes to other memberships never make a command
 * stale, so a busy server does not refuse a reviewed plan. Pure; the caller refuses the stale
 * ones, or applies `current` only when the person asked for it (the CLI's `--partial`).
 */
export function checkPlanCommands<C extends SyncCommand>(
  commands: readonly C[],
  fresh: Pick<SyncPlan, 'commands' | 'held'>,
  options: CheckPlanCommandsOptions = {},
): PlanCommandsCheck<C> {
  const planned = new Map<string, { readonly command: PlannedCommand; readonly change: string }>()
  const held = new Map<string, HoldReason>()
  for (const c of fresh.commands) {
    const k = keysOf(c)
    if (!planned.has(k.member)) planned.set(k.member, { command: c, change: k.change })
  }
  for (const c of fresh.held) {
    const { change } = keysOf(c)
    if (!held.has(change)) held.set(change, c.hold)
  }
  const seen = new Map<string, number>()
  const current: C[] = []
  const stale: StaleCommand<C>[] = []
  // Indexes of the state are built only once some command turns out stale.
  let explainer: Explainer | undefined
  for (let index = 0; index < commands.length; index++) {
    const command = commands[index] as C
    const { member, change } = keysOf(command)
    const firstIndex = seen.get(change)
    const now = planned.get(member)
    if (firstIndex === undefined && now !== undefined && now.change === change) {
      seen.set(change, index)
      current.push(command)
      continue
    }
    seen.set(change, firstIndex ?? index)
    explainer ??= new Explainer(options)
    const hold = held.get(change)
    const cause: StaleCause =
      firstIndex !== undefined
        ? { kind: 'duplicate', firstIndex }
        : now !== undefined
          ? { kind: 'changed', now: now.command }
          : hold !== undefined
            ? { kind: 'held', hold }
            : { kind: 'noLongerPlanned', why: explainer.why(command) }
    stale.push({ index, command, cause, message: explainer.message(command, cause) })
  }
  return { current, stale }
}

/** One membership: the syncable and the user, whatever is done to it. */
function memberKey(command: SyncCommand): string {
  return keysOf(command).member
}

/**
 * `member`: the membership (syncable and user); `change`: what is done to it (kind, role or flag;
 * not the reason). One match per command: this runs for every command of two plans.
 */
function keysOf(command: SyncCommand): { readonly member: string; readonly change: string } {
  const team = (id: string, detail: string) => keys(`team\u0000${id}`, detail)
  const channel = (id: string, detail: string) => keys(`channel\u0000${id}`, detail)
  const keys = (syncable: string, detail: string) => {
    const member = `${syncable}\u0000${command.userId}`
    return { member, change: `${command.kind}\u0000${member}\u0000${detail}` }
  }
  return match<SyncCommand, { readonly member: string; readonly change: string }>(command)
    .with({ kind: 'addTeamMember' }, (c) => team(c.teamId, c.role))
    .with({ kind: 'addChannelMember' }, (c) => channel(c.channelId, c.role))
    .with({ kind: 'setTeamMemberAdmin' }, (c) => team(c.teamId, String(c.schemeAdmin)))
    .with({ kind: 'setChannelMemberAdmin' }, (c) => channel(c.channelId, String(c.schemeAdmin)))
    .with({ kind: 'removeTeamMember' }, (c) => team(c.teamId, ''))
    .with({ kind: 'removeChannelMember' }, (c) => channel(c.channelId, ''))
    .exhaustive()
}

/** Indexes of the live state, built only when some command is stale. */
class Explainer {
  readonly #state: SyncState | undefined
  readonly #names: Readonly<Record<string, string>>
  readonly #users = new Map<string, SyncState['users'][number]>()
  readonly #syncables = new Map<
    string,
    SyncState['teams'][number] | SyncState['channels'][number]
  >()
  readonly #members = new Map<string, boolean>()
  readonly #groupsOf = new Map<string, SyncState['groups'][number][]>()

  constructor(options: CheckPlanCommandsOptions) {
    this.#state = options.state
    this.#names = options.names ?? {}
    const state = options.state
    if (state === undefined) return
    for (const u of state.users) this.#users.set(u.id, u)
    for (const t of state.teams) this.#syncables.set(`team\u0000${t.id}`, t)
    for (const c of state.channels) this.#syncables.set(`channel\u0000${c.id}`, c)
    for (const m of state.teamMembers)
      if (m.deleted !== true)
        this.#members.set(`team\u0000${m.teamId}\u0000${m.userId}`, m.schemeAdmin)
    for (const m of state.channelMembers)
      this.#members.set(`channel\u0000${m.channelId}\u0000${m.userId}`, m.schemeAdmin)
    for (const g of state.groups)
      if (g.deleted !== true)
        for (const id of g.memberIds) {
          const list = this.#groupsOf.get(id)
          if (list === undefined) this.#groupsOf.set(id, [g])
          else list.push(g)
        }
  }

  why(command: SyncCommand): NoLongerPlannedWhy {
    const state = this.#state
    if (state === undefined) return 'stateChanged'
    const user = this.#users.get(command.userId)
    if (user === undefined || user.deactivated === true) return 'userGone'
    const ref = commandSyncable(command)
    const syncable = this.#syncables.get(`${ref.kind}\u0000${ref.id}`)
    if (syncable === undefined || syncable.deleted === true) return 'syncableGone'
    const admin = this.#members.get(memberKey(command))
    return match<SyncCommand, NoLongerPlannedWhy>(command)
      .with({ kind: 'addTeamMember' }, { kind: 'addChannelMember' }, () =>
        admin !== undefined ? 'alreadyMember' : 'stateChanged',
      )
      .with({ kind: 'setTeamMemberAdmin' }, { kind: 'setChannelMemberAdmin' }, (c) =>
        admin === undefined
          ? 'notAMember'
          : admin === c.schemeAdmin
            ? 'alreadyRole'
            : 'stateChanged',
      )
      .with({ kind: 'removeTeamMember' }, { kind: 'removeChannelMember' }, () => {
        if (admin === undefined) return 'notAMember'
        const groups = this.#linkedGroups(ref, command.userId)
        if (groups.some((g) => g.status !== 'unavailable')) return 'inLinkedGroup'
        if (this.#linkedUnavailable(ref)) return 'groupUnavailable'
        if (!isConstrained(syncable)) return 'notManaged'
        return 'stateChanged'
      })
      .exhaustive()
  }

  message(command: SyncCommand, cause: StaleCause): string {
    const user = this.#name(command.userId)
    const ref = commandSyncable(command)
    const where = `${ref.kind} ${this.#name(ref.id)}`
    const what = `${describeChange(command)} ${user} (${where})`
    return match<StaleCause, string>(cause)
      .with({ kind: 'duplicate' }, (c) => `${what}: the same command as #${c.firstIndex + 1}`)
      .with({ kind: 'held' }, (c) => `${what}: now held back (${c.hold.kind}) by the safety limits`)
      .with({ kind: 'changed' }, (c) => {
        const instead = `now planned as ${describeChange(c.now)} instead; review the new plan`
        const back = this.#reAddedTo(command)
        return back === undefined
          ? `${what}: ${instead}`
          : `${what}: ${user} was re-added to ${back} since the plan; ${instead}`
      })
      .with({ kind: 'noLongerPlanned' }, (c) =>
        match<NoLongerPlannedWhy, string>(c.why)
          .with(
            'userGone',
            () => `${what}: ${user} no longer exists or was deactivated since the plan`,
          )
          .with('syncableGone', () => `${what}: ${where} was deleted since the plan`)
          .with(
            'alreadyMember',
            () => `${what}: no longer planned: ${user} is already a member of ${where}`,
          )
          .with(
            'alreadyRole',
            () => `${what}: no longer planned: ${user} already has that role in ${where}`,
          )
          .with(
            'notAMember',
            () => `${what}: no longer planned: ${user} is no longer a member of ${where}`,
          )
          .with(
            'inLinkedGroup',
            () =>
              `${what}: ${user} was re-added to ${this.#reAddedTo(command) ?? 'a linked group'} since the plan`,
          )
          .with(
            'groupUnavailable',
            () =>
              `${what}: a group linked to ${where} could not be read, so no one is removed from it`,
          )
          .with('notManaged', () => `${what}: ${where} is no longer group-synced or managed`)
          .with(
            'stateChanged',
            () =>
              `${what}: no longer planned (Mattermost or the directory changed since the plan; plan again to see why)`,
          )
          .exhaustive(),
      )
      .exhaustive()
  }

  /** For a removal: the linked groups (names, escaped) the user is in again, if any. */
  #reAddedTo(command: SyncCommand): string | undefined {
    if (command.kind !== 'removeTeamMember' && command.kind !== 'removeChannelMember')
      return undefined
    const groups = this.#linkedGroups(commandSyncable(command), command.userId)
      .filter((g) => g.status !== 'unavailable')
      .map((g) => this.#text(g.name))
    return groups.length > 0 ? groups.join(', ') : undefined
  }

  /** Groups the user is in (directly or nested) with a live link to the syncable. */
  #linkedGroups(ref: SyncableRef, userId: string): SyncState['groups'][number][] {
    const links = this.#state?.links ?? []
    return (this.#groupsOf.get(userId) ?? []).filter((g) =>
      links.some(
        (l) =>
          l.groupId === g.id &&
          l.deleted !== true &&
          l.syncable.kind === ref.kind &&
          l.syncable.id === ref.id,
      ),
    )
  }

  #linkedUnavailable(ref: SyncableRef): boolean {
    const state = this.#state
    if (state === undefined) return false
    const unavailable = new Set(
      state.groups.filter((g) => g.status === 'unavailable' && g.deleted !== true).map((g) => g.id),
    )
    return state.links.some(
      (l) =>
        unavailable.has(l.groupId) &&
        l.deleted !== true &&
        l.syncable.kind === ref.kind &&
        l.syncable.id === ref.id,
    )
  }

  #name(id: string): string {
    if (Object.hasOwn(this.#names, id)) return this.#text(String(this.#names[id]))
    const user = this.#users.get(id)
    if (user !== undefined) return this.#text(user.username)
    const named =
      this.#syncables.get(`team\u0000${id}`) ?? this.#syncables.get(`channel\u0000${id}`)
    return this.#text(named?.name ?? id)
  }

  #text(value: string): string {
    return escapeForTerminal(value)
  }
}

function describeChange(command: SyncCommand): string {
  return match<SyncCommand, string>(command)
    .with({ kind: 'addTeamMember' }, { kind: 'addChannelMember' }, (c) => `add as ${c.role}`)
    .with({ kind: 'setTeamMemberAdmin' }, { kind: 'setChannelMemberAdmin' }, (c) =>
      c.schemeAdmin ? 'promote to admin' : 'demote to member',
    )
    .with({ kind: 'removeTeamMember' }, { kind: 'removeChannelMember' }, () => 'remove')
    .exhaustive()
}
