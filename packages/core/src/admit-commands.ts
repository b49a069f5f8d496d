import { match } from 'ts-pattern'
import type { ManagedSyncable } from './link-rules.js'
import type { Group, GroupLink, SyncState, User } from './model.js'
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
import { keepsTownSquare } from './internal/rules.js'

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
  const admission = new Admission(state, options)
  const admitted: C[] = []
  const refused: RefusedCommand<C>[] = []
  commands.forEach((command, index) => {
    const why = admission.check(command)
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

/** Users of a syncable's live links, built on first use per syncable. */
interface LinkedUsers {
  readonly any: Set<number>
  readonly autoAdd: Set<number>
  readonly admin: Set<number>
  /** Linked to a group that could not be read: the planner neither removes nor demotes here. */
  readonly frozen: boolean
}

class Admission {
  readonly #index: StateIndex
  readonly #isId: (id: string) => boolean
  readonly #policy: AdmissionPolicy
  /** Channel records by id, picked as the index picks them, for why a channel is not live. */
  readonly #channels = new Map<string, SyncState['channels'][number]>()
  readonly #linked = new Map<number, LinkedUsers>()
  /** Per team slot: users an auto-add link of one of its live channels pulls into the team. */
  readonly #viaChannels = new Map<number, Set<number>>()
  /** `teamSlot:userSlot` of the team adds admitted so far (their default-channel joins follow). */
  readonly #teamAdds = new Set<string>()

  constructor(state: SyncState, options: AdmitCommandsOptions) {
    this.#index = indexState(state)
    this.#isId = options.isId ?? (() => true)
    this.#policy = options.policy ?? {}
    for (const c of state.channels) {
      const known = this.#channels.get(c.id)
      this.#channels.set(c.id, known === undefined ? c : pick(known, c))
    }
  }

  check(command: SyncCommand): Why | undefined {
    const ref = commandSyncable(command)
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
    const linked = this.#linkedUsers(s)
    return match<SyncCommand, Why | undefined>(command)
      .with({ kind: 'addTeamMember' }, { kind: 'addChannelMember' }, (c) => {
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
          if (!linked.admin.has(u))
            return {
              reason: 'unjustified',
              text: `${text(user.username)} is in no group with a live scheme-admin link to ${name}`,
            }
          if (this.#bypassed(flags))
            return {
              reason: 'roleMismatch',
              text: `${text(user.username)} is a system admin, added as member under sysadmins: bypass`,
            }
        }
        if (c.kind === 'addTeamMember') this.#teamAdds.add(`${s}:${u}`)
        return undefined
      })
      .with({ kind: 'setTeamMemberAdmin' }, { kind: 'setChannelMemberAdmin' }, (c) => {
        const roleSynced =
          where.x.constrained ||
          (this.#policy.roleSync !== 'groupConstrained' && where.x.links.length > 0)
        if (!roleSynced)
          return {
            reason: 'unjustified',
            text: `${name} has its roles synced by no sync (not group-synced, managed or linked)`,
          }
        if ((flags & UserFlag.Bot) !== 0 || this.#bypassed(flags))
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
          if (!linked.admin.has(u))
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
        if (linked.admin.has(u) && !guest)
          return {
            reason: 'unjustified',
            text: `${text(user.username)} is in a group with a live scheme-admin link to ${name}`,
          }
        return undefined
      })
      .with({ kind: 'removeTeamMember' }, { kind: 'removeChannelMember' }, () => {
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
        if ((flags & UserFlag.Bot) !== 0 || this.#bypassed(flags))
          return {
            reason: 'exemptUser',
            text: `${text(user.username)} is never removed (bot or bypassed system admin)`,
          }
        if (linked.any.has(u))
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
      })
      .exhaustive()
  }

  /** A sync adds by a live auto-add link, or (a team) for a channel's, or (a channel) by default join. */
  #addJustified(
    c: Extract<SyncCommand, { kind: 'addTeamMember' | 'addChannelMember' }>,
    s: number,
    u: number,
    linked: LinkedUsers,
    guest: boolean,
  ): boolean {
    if (linked.autoAdd.has(u)) return true
    const slot = this.#index.syncables[s] as SyncableSlot
    if (c.kind === 'addTeamMember') return this.#pulledByChannels(s).has(u)
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

  #linkedUsers(s: number): LinkedUsers {
    const known = this.#linked.get(s)
    if (known !== undefined) return known
    const links = (this.#index.syncables[s] as SyncableSlot).links
    const linked: LinkedUsers = {
      any: new Set(),
      autoAdd: new Set(),
      admin: new Set(),
      frozen: links.some((l) => l.group.status === 'unavailable'),
    }
    for (const l of links)
      for (const u of l.members) {
        linked.any.add(u)
        if (l.link.autoAdd) linked.autoAdd.add(u)
        if (l.link.schemeAdmin) linked.admin.add(u)
      }
    this.#linked.set(s, linked)
    return linked
  }

  #pulledByChannels(t: number): Set<number> {
    const known = this.#viaChannels.get(t)
    if (known !== undefined) return known
    const users = new Set<number>()
    for (const c of this.#index.channelsOfTeam[t] ?? [])
      for (const u of this.#linkedUsers(c).autoAdd) users.add(u)
    this.#viaChannels.set(t, users)
    return users
  }

  #bypassed(flags: number): boolean {
    return (flags & UserFlag.SystemAdmin) !== 0 && this.#policy.sysadmins === 'bypass'
  }
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
