import { match } from 'ts-pattern'
import type { ManagedSyncable } from './link-rules.js'
import type { Group, GroupLink, SyncableRef, SyncState, User } from './model.js'
import { escapeForTerminal } from './plan-file.js'
import { commandSyncable, type SyncCommand } from './sync-command.js'
import type { SyncPolicyInput } from './sync-policy.js'
import {
  indexState,
  pick,
  type StateIndex,
  type SyncableSlot,
  UserFlag,
} from './internal/state-index.js'
import { isBypassed, isExemptFromRemoval, isRoleSynced, keepsTownSquare } from './rules.js'
import type { AppliedRun } from './revert-plan.js'

/**
 * Why a command could not have been planned by a sync of the state it is checked against. The
 * syncable and user checks come first (in this order), then the kind's own justification.
 */
export type AdmissionRefusalReason =
  /** A syncable or user id the target's validator rejects (e.g. not 26 characters of `[a-z0-9]`). */
  | 'malformedId'
  | 'unknownUser'
  /** An add of a deactivated user (removals and role changes of them are planned, and admitted). */
  | 'deletedUser'
  /** The team, or the channel's team, is not in the state (or outside the target's scope). */
  | 'unknownTeam'
  /** The team, or the channel's team, is deleted. */
  | 'archivedTeam'
  | 'unknownChannel'
  | 'archivedChannel'
  /** A direct (`D`) or group (`G`) message channel: only `O` and `P` channels take part. */
  | 'directChannel'
  /** An add whose role contradicts the user: a guest as member/admin, a non-guest as guest, a bypassed system admin as admin. */
  | 'roleMismatch'
  /** A removal or role change of a bot, or of a system admin under `sysadmins: 'bypass'`. */
  | 'exemptUser'
  /** A removal or demotion on a syncable linked to a group that could not be read. */
  | 'groupUnavailable'
  /** No live link, default-channel join or constraint justifies it. */
  | 'unjustified'

/** One refused command: where it was, what it was, why, and a sentence (ids escaped). */
export interface RefusedCommand<C extends SyncCommand = SyncCommand> {
  /** Its position in the commands passed in. */
  readonly index: number
  readonly command: C
  readonly reason: AdmissionRefusalReason
  readonly message: string
}

/** The commands split into those a sync could have planned and those it never would. */
export interface CommandAdmission<C extends SyncCommand = SyncCommand> {
  readonly admitted: readonly C[]
  readonly refused: readonly RefusedCommand<C>[]
}

/**
 * The policy fields admission depends on. An absent field means "not known": whatever some value
 * of it could plan is admitted (`roleSync` absent: role changes on any linked syncable).
 */
export type AdmissionPolicy = Pick<SyncPolicyInput, 'sysadmins' | 'roleSync'>

/** Options of `admitCommands`. */
export interface AdmitCommandsOptions {
  /** The target's id format (adapters pass theirs); default: every id is well-formed. */
  readonly isId?: (id: string) => boolean
  readonly policy?: AdmissionPolicy
}

/**
 * What an applier checks each command against besides the Mattermost state it re-reads, passed to
 * `PlanApplier.applyPlan` as its second argument. Absent fields: the target's own.
 */
export interface ApplyContext {
  /**
   * The groups, links and managed syncables the plan was made with, when they came from a group
   * source (a directory) rather than from Mattermost: the `GroupLoad` the run used fits.
   */
  readonly groupLoad?: {
    readonly groups: readonly Group[]
    readonly links: readonly GroupLink[]
    readonly managed: readonly ManagedSyncable[]
  }
  /** The policy the plan was made with (`plan.policy`). */
  readonly policy?: AdmissionPolicy
  /**
   * The plan is the revert of this journalled run (a plan file marked `revertOf`): its commands
   * are admitted against the run's inverse (`admitRevert`), not by a sync's justification — a
   * re-add no linked group justifies is exactly what a revert does. See `admitForApply`.
   */
  readonly revert?: AppliedRun
}

/** The typed error every applier fails with when a plan has a refused command: nothing was written. */
export interface InadmissibleCommandsError {
  readonly kind: 'inadmissibleCommands'
  readonly message: string
  readonly refused: readonly RefusedCommand[]
}

/**
 * Checks each command against a state (the target's, with the plan's groups, links and managed
 * syncables): ids well-formed, user known (and active for adds), team or channel live, channel `O`
 * or `P`, and a justification a sync would have had. Adds need a live auto-add link from a group
 * holding the user (for a team also one of its channels', which pulls members in), or, for a
 * channel, to be the default-channel join of an earlier team add of the same commands; an admin
 * role needs a live scheme-admin link. Removals and role changes need a group-constrained or
 * managed syncable (role changes also any linked one unless `roleSync: 'groupConstrained'`), a
 * removal a user in no linked group. What the state itself makes pointless (an add of a member)
 * is the stale check's business, not this one's. Pure; linear in the state and the commands.
 */
export function admitCommands<C extends SyncCommand>(
  commands: readonly C[],
  state: SyncState,
  options: AdmitCommandsOptions = {},
): CommandAdmission<C> {
  const admission = new Admission(state, options, commands)
  const admitted: C[] = []
  const refused: RefusedCommand<C>[] = []
  commands.forEach((command, index) => {
    const why = admission.check(command, index)
    if (why === undefined) admitted.push(command)
    else
      refused.push({
        index,
        command,
        reason: why.reason,
        message: `#${index + 1} ${describe(command)}: ${why.text}`,
      })
  })
  return { admitted, refused }
}

/**
 * A target's state with the groups, links and managed syncables of a run (its `GroupLoad`) in place
 * of its own: what `runSync` plans from and appliers admit commands against. Without a load the
 * target's own groups and links stay (none when it read none).
 */
export function withGroupLoad(
  target: Omit<SyncState, 'groups' | 'links'> & Partial<Pick<SyncState, 'groups' | 'links'>>,
  load?: ApplyContext['groupLoad'],
): SyncState {
  if (load === undefined)
    return { ...target, groups: target.groups ?? [], links: target.links ?? [] }
  const managed = new Map<string, ManagedSyncable>()
  for (const m of load.managed) managed.set(`${m.syncable.kind}:${m.syncable.id}`, m)
  const byOf = (kind: 'team' | 'channel', id: string): string | undefined =>
    managed.get(`${kind}:${id}`)?.by
  return {
    ...target,
    groups: load.groups,
    links: load.links,
    teams:
      managed.size === 0
        ? target.teams
        : target.teams.map((t) => {
            const by = byOf('team', t.id)
            return by === undefined ? t : { ...t, managed: true, managedBy: by }
          }),
    channels:
      managed.size === 0
        ? target.channels
        : target.channels.map((c) => {
            const by = byOf('channel', c.id)
            return by === undefined ? c : { ...c, managed: true, managedBy: by }
          }),
  }
}

/**
 * The context to apply a plan made from `state` with: its groups and links, its managed teams and
 * channels, and the plan's policy. For callers that hold the combined state a plan came from (the
 * CLI's `apply` after its re-plan) rather than the group load.
 */
export function applyContextOf(state: SyncState, policy?: AdmissionPolicy): ApplyContext {
  const managed: ManagedSyncable[] = []
  for (const t of state.teams)
    if (t.managed === true)
      managed.push({ syncable: { kind: 'team', id: t.id }, by: t.managedBy ?? 'config' })
  for (const c of state.channels)
    if (c.managed === true)
      managed.push({ syncable: { kind: 'channel', id: c.id }, by: c.managedBy ?? 'config' })
  return {
    groupLoad: { groups: state.groups, links: state.links, managed },
    ...(policy !== undefined ? { policy } : {}),
  }
}

/** The error an applier returns for `refused` (non-empty) out of `total` commands. */
export function inadmissibleCommands(
  refused: readonly RefusedCommand[],
  total: number,
): InadmissibleCommandsError {
  const shown = refused.slice(0, 5).map((r) => r.message)
  const more = refused.length > shown.length ? `; and ${refused.length - shown.length} more` : ''
  return {
    kind: 'inadmissibleCommands',
    message: `refused: ${refused.length} of ${total} commands could not have been planned by a sync, nothing was written: ${shown.join('; ')}${more}`,
    refused,
  }
}

interface Why {
  readonly reason: AdmissionRefusalReason
  readonly text: string
}

/** Where one command's user stands on its syncable's live links. */
interface Linked {
  /** In a group of some live link. */
  readonly any: boolean
  readonly autoAdd: boolean
  readonly admin: boolean
  /** (A team) in a group auto-added to one of its live channels, which pulls members in. */
  readonly viaChannels: boolean
  /** Linked to a group that could not be read: the planner neither removes nor demotes here. */
  readonly frozen: boolean
}

const unlinked: Linked = {
  any: false,
  autoAdd: false,
  admin: false,
  viaChannels: false,
  frozen: false,
}

class Admission {
  readonly #index: StateIndex
  readonly #isId: (id: string) => boolean
  readonly #policy: AdmissionPolicy
  /** Channel records by id, picked as the index picks them, for why a channel is not live. */
  readonly #channels = new Map<string, SyncState['channels'][number]>()
  /** Per command (by index): its user's links on its syncable, when both are known and live. */
  readonly #linked: (Linked | undefined)[]
  /** `teamSlot:userSlot` of the team adds admitted so far (their default-channel joins follow). */
  readonly #teamAdds = new Set<string>()

  constructor(state: SyncState, options: AdmitCommandsOptions, commands: readonly SyncCommand[]) {
    this.#index = indexState(state)
    this.#isId = options.isId ?? (() => true)
    this.#policy = options.policy ?? {}
    for (const c of state.channels) {
      const known = this.#channels.get(c.id)
      this.#channels.set(c.id, known === undefined ? c : pick(known, c))
    }
    this.#linked = linkedOf(this.#index, commands)
  }

  check(command: SyncCommand, index: number): Why | undefined {
    const ref = syncableOf(command)
    if (!this.#isId(ref.id))
      return { reason: 'malformedId', text: `${ref.kind} id ${text(ref.id)} is malformed` }
    if (!this.#isId(command.userId))
      return { reason: 'malformedId', text: `user id ${text(command.userId)} is malformed` }
    const u = this.#index.userSlot.get(command.userId)
    if (u < 0) return { reason: 'unknownUser', text: `no user ${text(command.userId)}` }
    const where = this.#syncable(ref.kind, ref.id)
    if ('reason' in where) return where
    const s = where.slot
    const user = this.#index.users[u] as User
    const name = `${ref.kind} ${text(where.x.name)}`
    const flags = this.#index.userFlags[u] as number
    const guest = (flags & UserFlag.Guest) !== 0
    const linked = this.#linked[index] ?? unlinked
    // A switch, not ts-pattern: this runs once per command (100k+ at scale), and a match builder
    // per command was a fifth of the time. `never` below keeps it exhaustive.
    switch (command.kind) {
      case 'addTeamMember':
      case 'addChannelMember': {
        const c = command
        if ((flags & UserFlag.Deactivated) !== 0)
          return { reason: 'deletedUser', text: `user ${text(user.username)} is deactivated` }
        if (guest !== (c.role === 'guest'))
          return {
            reason: 'roleMismatch',
            text: guest
              ? `${text(user.username)} is a guest, added as ${c.role}`
              : `${text(user.username)} is no guest, added as guest`,
          }
        if (!this.#addJustified(c, s, u, linked, guest))
          return {
            reason: 'unjustified',
            text: `${text(user.username)} is in no group with a live auto-add link to ${name}`,
          }
        if (c.role === 'admin') {
          if (!linked.admin)
            return {
              reason: 'unjustified',
              text: `${text(user.username)} is in no group with a live scheme-admin link to ${name}`,
            }
          if (isBypassed(user, this.#sysadmins))
            return {
              reason: 'roleMismatch',
              text: `${text(user.username)} is a system admin, added as member under sysadmins: bypass`,
            }
        }
        if (c.kind === 'addTeamMember') this.#teamAdds.add(`${s}:${u}`)
        return undefined
      }
      case 'setTeamMemberAdmin':
      case 'setChannelMemberAdmin': {
        const c = command
        const roleSynced =
          where.x.constrained ||
          (this.#policy.roleSync !== 'groupConstrained' && where.x.links.length > 0)
        if (!roleSynced)
          return {
            reason: 'unjustified',
            text: `${name} has its roles synced by no sync (not group-synced, managed or linked)`,
          }
        // Guest rows are checked below (a guest is never promoted), so only the user matters here.
        if (!isRoleSynced(user, { schemeGuest: false }, this.#sysadmins))
          return {
            reason: 'exemptUser',
            text: `${text(user.username)} keeps its roles (bot or bypassed system admin)`,
          }
        if (c.schemeAdmin) {
          if (guest)
            return {
              reason: 'roleMismatch',
              text: `${text(user.username)} is a guest, promoted to admin`,
            }
          if (!linked.admin)
            return {
              reason: 'unjustified',
              text: `${text(user.username)} is in no group with a live scheme-admin link to ${name}`,
            }
          return undefined
        }
        if (linked.frozen)
          return {
            reason: 'groupUnavailable',
            text: `a group linked to ${name} could not be read: no demotions`,
          }
        if (linked.admin && !guest)
          return {
            reason: 'unjustified',
            text: `${text(user.username)} is in a group with a live scheme-admin link to ${name}`,
          }
        return undefined
      }
      case 'removeTeamMember':
      case 'removeChannelMember': {
        if (!where.x.constrained)
          return {
            reason: 'unjustified',
            text: `${name} is neither group-synced nor managed: no sync removes from it`,
          }
        if (linked.frozen)
          return {
            reason: 'groupUnavailable',
            text: `a group linked to ${name} could not be read: no removals`,
          }
        if (isExemptFromRemoval(user, this.#sysadmins))
          return {
            reason: 'exemptUser',
            text: `${text(user.username)} is never removed (bot or bypassed system admin)`,
          }
        if (linked.any)
          return {
            reason: 'unjustified',
            text: `${text(user.username)} is in a group linked to ${name}`,
          }
        if (ref.kind === 'channel' && keepsTownSquare(where.x.name, guest))
          return {
            reason: 'unjustified',
            text: `${text(user.username)} stays in ${name} while in its team`,
          }
        return undefined
      }
      default: {
        // Exhaustive for typed callers; a kind no sync plans, from an untyped one, is refused.
        const unknown: never = command
        const kind = String((unknown as { readonly kind?: unknown }).kind)
        return { reason: 'unjustified', text: `${text(kind)} is no command kind` }
      }
    }
  }

  /** A sync adds by a live auto-add link, or (a team) for a channel's, or (a channel) by default join. */
  #addJustified(
    c: Extract<SyncCommand, { kind: 'addTeamMember' | 'addChannelMember' }>,
    s: number,
    u: number,
    linked: Linked,
    guest: boolean,
  ): boolean {
    if (linked.autoAdd) return true
    const slot = this.#index.syncables[s] as SyncableSlot
    if (c.kind === 'addTeamMember') return linked.viaChannels
    return slot.defaultJoin && !guest && this.#teamAdds.has(`${slot.teamSlot}:${u}`)
  }

  /** The slot of a live team or channel, or why there is none. */
  #syncable(kind: 'team' | 'channel', id: string): { slot: number; x: SyncableSlot } | Why {
    const { syncableSlot, syncables } = this.#index
    if (kind === 'team') {
      const s = syncableSlot.team.get(id)
      if (s === undefined) return { reason: 'unknownTeam', text: `no team ${text(id)}` }
      const x = syncables[s] as SyncableSlot
      if (!x.live) return { reason: 'archivedTeam', text: `team ${text(x.name)} is deleted` }
      return { slot: s, x }
    }
    const s = syncableSlot.channel.get(id)
    const record = this.#channels.get(id)
    if (s === undefined || record === undefined)
      return { reason: 'unknownChannel', text: `no channel ${text(id)}` }
    const x = syncables[s] as SyncableSlot
    if (x.live) return { slot: s, x }
    if (record.type !== 'O' && record.type !== 'P')
      return {
        reason: 'directChannel',
        text: `channel ${text(x.name)} is of type ${text(record.type)}, not O or P`,
      }
    if (record.deleted === true)
      return { reason: 'archivedChannel', text: `channel ${text(x.name)} is archived` }
    const team = x.teamSlot < 0 ? undefined : (syncables[x.teamSlot] as SyncableSlot)
    return team === undefined
      ? {
          reason: 'unknownTeam',
          text: `the team ${text(record.teamId)} of channel ${text(x.name)} is not in the state`,
        }
      : {
          reason: 'archivedTeam',
          text: `the team ${text(team.name)} of channel ${text(x.name)} is deleted`,
        }
  }

  /** An unknown `sysadmins` admits what either value could plan: nobody counts as bypassed. */
  get #sysadmins(): { readonly sysadmins: 'bypass' | 'asUsers' } {
    return { sysadmins: this.#policy.sysadmins ?? 'asUsers' }
  }
}

/**
 * Each command's user on its syncable's live links, over typed-array stamps (as the planner does):
 * commands are grouped by syncable, and each referenced syncable's link members are walked once.
 */
function linkedOf(index: StateIndex, commands: readonly SyncCommand[]): (Linked | undefined)[] {
  const bySlot = new Map<number, number[]>()
  const users = new Int32Array(commands.length)
  commands.forEach((command, i) => {
    const ref = syncableOf(command)
    const s = (ref.kind === 'team' ? index.syncableSlot.team : index.syncableSlot.channel).get(
      ref.id,
    )
    const u = index.userSlot.get(command.userId)
    if (s === undefined || u < 0 || !(index.syncables[s] as SyncableSlot).live) return
    users[i] = u
    const list = bySlot.get(s)
    if (list === undefined) bySlot.set(s, [i])
    else list.push(i)
  })
  const out: (Linked | undefined)[] = new Array<Linked | undefined>(commands.length)
  if (bySlot.size === 0) return out
  const n = index.users.length
  const [any, autoAdd, admin, via] = [0, 1, 2, 3].map(() => new Int32Array(n).fill(-1)) as [
    Int32Array,
    Int32Array,
    Int32Array,
    Int32Array,
  ]
  for (const [s, list] of bySlot) {
    const slot = index.syncables[s] as SyncableSlot
    let frozen = false
    for (const l of slot.links) {
      if (l.group.status === 'unavailable') frozen = true
      const members = l.members
      for (let j = 0; j < members.length; j++) {
        const u = members[j] as number
        any[u] = s
        if (l.link.autoAdd) autoAdd[u] = s
        if (l.link.schemeAdmin) admin[u] = s
      }
    }
    if (s < index.teamCount)
      for (const c of index.channelsOfTeam[s] ?? [])
        for (const l of (index.syncables[c] as SyncableSlot).links) {
          if (!l.link.autoAdd) continue
          const members = l.members
          for (let j = 0; j < members.length; j++) via[members[j] as number] = s
        }
    for (const i of list) {
      const u = users[i] as number
      out[i] = {
        any: any[u] === s,
        autoAdd: autoAdd[u] === s,
        admin: admin[u] === s,
        viaChannels: via[u] === s,
        frozen,
      }
    }
  }
  return out
}

/** `commandSyncable` without a match builder per call (see `check`). */
function syncableOf(command: SyncCommand): SyncableRef {
  return 'teamId' in command
    ? { kind: 'team', id: command.teamId }
    : { kind: 'channel', id: command.channelId }
}

function describe(command: SyncCommand): string {
  const ref = commandSyncable(command)
  const detail = match<SyncCommand, string>(command)
    .with({ kind: 'addTeamMember' }, { kind: 'addChannelMember' }, (c) => ` as ${text(c.role)}`)
    .with(
      { kind: 'setTeamMemberAdmin' },
      { kind: 'setChannelMemberAdmin' },
      (c) => ` to ${String(c.schemeAdmin)}`,
    )
    .with({ kind: 'removeTeamMember' }, { kind: 'removeChannelMember' }, () => '')
    .exhaustive()
  return `${text(command.kind)} user ${text(command.userId)} ${ref.kind} ${text(ref.id)}${detail}`
}

/** Ids and names from a file or a server, escaped and cut short for a message. */
function text(value: string): string {
  return escapeForTerminal(value.length > 64 ? `${value.slice(0, 64)}…` : value)
}
