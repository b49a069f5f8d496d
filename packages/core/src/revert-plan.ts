import { match } from 'ts-pattern'
import type { ChannelMember, Role, SyncableRef, SyncState, TeamMember } from './model.js'
import { applyPlan } from './apply-plan.js'
import { keepsTownSquare } from './rules.js'
import { toSyncCommand, type PlannedCommand, type SyncCommand } from './sync-command.js'

/**
 * The live membership rows a run's commands could change, as they were just before the run: what
 * the journal records so that `revertPlan` can put back the role (admin flag, guest) of a removed
 * or demoted member. A row missing here was not a live member then.
 */
export interface RunBefore {
  readonly teamMembers: readonly TeamMember[]
  readonly channelMembers: readonly ChannelMember[]
}

/** A run's applied commands (outcome `done`, in order) and, when recorded, the rows before it. */
export interface AppliedRun {
  readonly commands: readonly SyncCommand[]
  readonly before?: RunBefore
}

/** Why the inverse of a command is listed instead of planned. */
export type NotRevertibleReason =
  | { readonly kind: 'userUnknown' }
  | { readonly kind: 'userDeactivated' }
  | { readonly kind: 'syncableUnknown'; readonly syncable: SyncableRef }
  | { readonly kind: 'syncableArchived'; readonly syncable: SyncableRef }
  /** The channel row needs the team membership back, whose re-add is itself not revertible. */
  | { readonly kind: 'teamNotRestored'; readonly teamId: string }
  /** A removal journalled without the rows before the run: the role it took is unknown. */
  | { readonly kind: 'priorRoleUnknown' }
  /**
   * Applying the revert would still not bring the membership back as it was: a team removal takes
   * every channel row of that team (one the user had without being in the team is lost), and a
   * default join is never a guest row.
   */
  | { readonly kind: 'notRestored' }

/**
 * A command the revert would need but does not plan: the inverse command (or, for
 * `priorRoleUnknown`, the applied removal), and why.
 */
export interface NotRevertible {
  readonly command: SyncCommand
  readonly reason: NotRevertibleReason
}

/** The inverse of a run: commands to review and apply like a plan's, and what cannot be undone. */
export interface RevertPlan {
  readonly commands: readonly PlannedCommand[]
  readonly notRevertible: readonly NotRevertible[]
}

const key = (syncableId: string, userId: string): string => `${syncableId}\u0000${userId}`

interface Touched {
  readonly teams: Map<string, { teamId: string; userId: string }>
  readonly channels: Map<string, { channelId: string; userId: string }>
}

/**
 * The memberships a run's commands can change in `state` (the state they are applied to): each
 * command's own, plus for a team add or removal the user's rows in every open or private channel
 * of that team (the add's default joins, what the removal takes, what the add's inverse takes).
 * A team admin flag changes no channel row.
 */
function touchedBy(state: SyncState, commands: readonly SyncCommand[]): Touched {
  const teams = new Map<string, { teamId: string; userId: string }>()
  const channels = new Map<string, { channelId: string; userId: string }>()
  let ofTeam: Map<string, string[]> | undefined
  const addChannel = (channelId: string, userId: string): void => {
    channels.set(key(channelId, userId), { channelId, userId })
  }
  for (const c of commands) {
    match(c)
      // Its inverse is a removal, which takes every channel row of the team: all of them count.
      .with({ kind: 'addTeamMember' }, { kind: 'removeTeamMember' }, (c) => {
        teams.set(key(c.teamId, c.userId), { teamId: c.teamId, userId: c.userId })
        ofTeam ??= teamBoundChannels(state)
        for (const id of ofTeam.get(c.teamId) ?? []) addChannel(id, c.userId)
      })
      .with({ kind: 'setTeamMemberAdmin' }, (c) => {
        teams.set(key(c.teamId, c.userId), { teamId: c.teamId, userId: c.userId })
      })
      .with(
        { kind: 'addChannelMember' },
        { kind: 'setChannelMemberAdmin' },
        { kind: 'removeChannelMember' },
        (c) => {
          addChannel(c.channelId, c.userId)
        },
      )
      .exhaustive()
  }
  return { teams, channels }
}

// As core's applyPlan: a team removal leaves the team's open and private channels.
function teamBoundChannels(state: SyncState): Map<string, string[]> {
  const byTeam = new Map<string, string[]>()
  for (const c of state.channels) {
    if (c.type !== 'O' && c.type !== 'P') continue
    const list = byTeam.get(c.teamId) ?? []
    if (list.length === 0) byTeam.set(c.teamId, list)
    if (!list.includes(c.id)) list.push(c.id)
  }
  return byTeam
}

/**
 * What the journal records before applying `commands` to `state`: the live rows of every
 * membership they can change (see `RunBefore`).
 */
export function runBeforeOf(state: SyncState, commands: readonly SyncCommand[]): RunBefore {
  const touched = touchedBy(state, commands)
  return {
    teamMembers: state.teamMembers.filter(
      (m) => m.deleted !== true && touched.teams.has(key(m.teamId, m.userId)),
    ),
    channelMembers: state.channelMembers.filter((m) =>
      touched.channels.has(key(m.channelId, m.userId)),
    ),
  }
}

const roleOf = (row: Row): Role =>
  row.schemeGuest ? 'guest' : row.schemeAdmin ? 'admin' : 'member'

/**
 * The inverse of a run, against `state` (the live state now): every membership the run could
 * change goes back to its row in `applied.before` — re-added with its old role (guest, admin
 * flag), its admin flag restored, or removed when it had none. Memberships already as they were
 * need nothing, so a revert planned twice, or after a later run put things back, is empty.
 *
 * A team membership the run added is undone by its team removal alone: Mattermost's `LeaveTeam`
 * takes the default-channel joins the add caused (and any other channel of the team) with it, so
 * they are not listed. A team membership the run removed is re-added, which joins the default
 * channels again: those the member was not in before the run are removed after the adds, and the
 * channel rows the removal took are re-added with their roles.
 *
 * Inverse commands whose user is unknown or deactivated, or whose team or channel is unknown or
 * archived, are listed in `notRevertible`, not planned, and so is a non-guest's removal from
 * `town-square`, which Mattermost refuses (`notRestored`); so are channel re-adds in a team whose own
 * re-add is not revertible. Without `before` (an old journal), an add is undone by a removal, an
 * admin flag by its opposite, and a removal is listed (`priorRoleUnknown`).
 *
 * Commands come in this order, which the caller keeps when applying: team adds, channel adds,
 * admin flags, channel removals, team removals. A guest row that also had the admin flag is
 * re-added as a guest and then given the flag.
 */
export function revertPlan(applied: AppliedRun, state: SyncState): RevertPlan {
  const notRevertible: NotRevertible[] = []
  const lostTeams = new Set<string>()
  const users = new Map(state.users.map((u) => [u.id, u]))
  const teams = new Map(state.teams.map((t) => [t.id, t]))
  const channels = new Map(state.channels.map((c) => [c.id, c]))
  const admit = (command: PlannedCommand): boolean => {
    const reason = refusal(command, users, teams, channels, lostTeams)
    if (reason === undefined) return true
    notRevertible.push({ command: stripReason(command), reason })
    if (command.kind === 'addTeamMember') lostTeams.add(key(command.teamId, command.userId))
    return false
  }
  if (applied.before === undefined) {
    const commands = invertCommands(applied.commands, notRevertible)
      .filter((c) => {
        if (!keepsTownSquareOf(c, users, channels)) return true
        notRevertible.push({ command: stripReason(c), reason: { kind: 'notRestored' } })
        return false
      })
      .filter(admit)
    return { commands, notRevertible }
  }
  const commands = invertRows(applied.commands, applied.before, state, admit, notRevertible)
  return { commands, notRevertible }
}

/**
 * A channel removal Mattermost refuses: a non-guest never leaves `town-square` but with its team
 * (rules.ts `keepsTownSquare`). Not planned; `listUnrestorable` lists it as `notRestored`.
 */
function keepsTownSquareOf(
  command: PlannedCommand,
  users: ReadonlyMap<string, SyncState['users'][number]>,
  channels: ReadonlyMap<string, SyncState['channels'][number]>,
): boolean {
  if (command.kind !== 'removeChannelMember') return false
  const channel = channels.get(command.channelId)
  const user = users.get(command.userId)
  return (
    channel !== undefined &&
    user !== undefined &&
    keepsTownSquare(channel.name, user.systemRole === 'guest')
  )
}

function refusal(
  command: PlannedCommand,
  users: ReadonlyMap<string, SyncState['users'][number]>,
  teams: ReadonlyMap<string, SyncState['teams'][number]>,
  channels: ReadonlyMap<string, SyncState['channels'][number]>,
  lostTeams: ReadonlySet<string>,
): NotRevertibleReason | undefined {
  const user = users.get(command.userId)
  if (user === undefined) return { kind: 'userUnknown' }
  if (user.deactivated === true) return { kind: 'userDeactivated' }
  if ('teamId' in command) {
    const syncable: SyncableRef = { kind: 'team', id: command.teamId }
    const team = teams.get(command.teamId)
    if (team === undefined) return { kind: 'syncableUnknown', syncable }
    if (team.deleted === true) return { kind: 'syncableArchived', syncable }
    return undefined
  }
  const syncable: SyncableRef = { kind: 'channel', id: command.channelId }
  const channel = channels.get(command.channelId)
  if (channel === undefined) return { kind: 'syncableUnknown', syncable }
  if (channel.deleted === true) return { kind: 'syncableArchived', syncable }
  if (command.kind === 'addChannelMember' && lostTeams.has(key(channel.teamId, command.userId)))
    return { kind: 'teamNotRestored', teamId: channel.teamId }
  return undefined
}

// The listed command is the pinned shape: no reason, nothing planned.
const stripReason = (command: PlannedCommand): SyncCommand => toSyncCommand(command)

// The journal had no rows before the run: invert each command by itself.
function invertCommands(
  commands: readonly SyncCommand[],
  notRevertible: NotRevertible[],
): PlannedCommand[] {
  const out: PlannedCommand[] = []
  for (const c of commands) {
    match(c)
      .with({ kind: 'addTeamMember' }, (c) =>
        out.push({
          kind: 'removeTeamMember',
          teamId: c.teamId,
          userId: c.userId,
          reason: 'revert: the run added this team membership',
        }),
      )
      .with({ kind: 'addChannelMember' }, (c) =>
        out.push({
          kind: 'removeChannelMember',
          channelId: c.channelId,
          userId: c.userId,
          reason: 'revert: the run added this channel membership',
        }),
      )
      .with({ kind: 'setTeamMemberAdmin' }, (c) =>
        out.push({ ...c, schemeAdmin: !c.schemeAdmin, reason: flagReason(!c.schemeAdmin) }),
      )
      .with({ kind: 'setChannelMemberAdmin' }, (c) =>
        out.push({ ...c, schemeAdmin: !c.schemeAdmin, reason: flagReason(!c.schemeAdmin) }),
      )
      .with({ kind: 'removeTeamMember' }, { kind: 'removeChannelMember' }, (c) =>
        notRevertible.push({ command: c, reason: { kind: 'priorRoleUnknown' } }),
      )
      .exhaustive()
  }
  return orderCommands(out)
}

const flagReason = (admin: boolean): string =>
  `revert: the run ${admin ? 'demoted' : 'promoted'} this member`

// Every membership the run could change goes back to its row before the run. Team commands come
// first; the channel side is planned against the state the admitted ones leave (a re-add joins
// default channels, a removal takes the team's channel rows).
function invertRows(
  commands: readonly SyncCommand[],
  before: RunBefore,
  state: SyncState,
  admit: (command: PlannedCommand) => boolean,
  notRevertible: NotRevertible[],
): PlannedCommand[] {
  const touched = touchedBy(state, commands)
  const teamsBefore = new Map<string, TeamMember>()
  for (const m of before.teamMembers)
    if (m.deleted !== true) teamsBefore.set(key(m.teamId, m.userId), m)
  const channelsBefore = new Map<string, ChannelMember>()
  for (const m of before.channelMembers) channelsBefore.set(key(m.channelId, m.userId), m)

  const teamsNow = liveTeamRows(state)
  const teamCommands: PlannedCommand[] = []
  for (const [k, { teamId, userId }] of touched.teams) {
    const was = teamsBefore.get(k)
    const now = teamsNow.get(k)
    const ref: SyncableRef = { kind: 'team', id: teamId }
    teamCommands.push(...inverseOf(ref, userId, was, now))
  }
  const admittedTeam = orderCommands(teamCommands).filter(admit)
  const afterTeams = admittedTeam.length === 0 ? state : applyPlan(state, admittedTeam)
  const removedTeams = new Set(
    admittedTeam.filter((c) => c.kind === 'removeTeamMember').map((c) => key(c.teamId, c.userId)),
  )
  const teamOf = new Map(state.channels.map((c) => [c.id, c.teamId]))
  const channelsNow = channelRows(afterTeams)
  const channelCommands: PlannedCommand[] = []
  for (const [k, { channelId, userId }] of touched.channels) {
    const was = channelsBefore.get(k)
    const now = channelsNow.get(k)
    // The team removal takes the row whatever it was (LeaveTeam); one it had before is listed.
    if (removedTeams.has(key(teamOf.get(channelId) ?? '', userId))) continue
    channelCommands.push(...inverseOf({ kind: 'channel', id: channelId }, userId, was, now))
  }
  const users = new Map(state.users.map((u) => [u.id, u]))
  const channels = new Map(state.channels.map((c) => [c.id, c]))
  const planned = orderCommands([
    ...admittedTeam,
    ...orderCommands(channelCommands)
      .filter((c) => !keepsTownSquareOf(c, users, channels))
      .filter(admit),
  ])
  listUnrestorable(planned, touched, teamsBefore, channelsBefore, state, notRevertible)
  return planned
}

/**
 * Lists (`notRestored`) every membership the plan would still not bring back as it was — a team
 * removal takes every channel row of that team, a default join has no guest flag — unless its
 * user or syncable is already listed. The plan's own commands on it stay: they still get it closer.
 */
function listUnrestorable(
  planned: readonly PlannedCommand[],
  touched: Touched,
  teamsBefore: ReadonlyMap<string, TeamMember>,
  channelsBefore: ReadonlyMap<string, ChannelMember>,
  state: SyncState,
  notRevertible: NotRevertible[],
): void {
  const after = applyPlan(state, planned)
  const teamsAfter = liveTeamRows(after)
  const channelsAfter = channelRows(after)
  const teamOf = new Map(state.channels.map((c) => [c.id, c.teamId]))
  const listed = new Set<string>()
  for (const { command: c } of notRevertible)
    listed.add('teamId' in c ? `team:${key(c.teamId, c.userId)}` : key(c.channelId, c.userId))
  const check = (ref: SyncableRef, userId: string, was: Row | undefined, now: Row | undefined) => {
    if (sameRow(was, now)) return
    const teamId = ref.kind === 'team' ? ref.id : teamOf.get(ref.id)
    if (listed.has(`team:${key(teamId ?? '', userId)}`) || listed.has(key(ref.id, userId))) return
    const command = neededCommand(ref, userId, was, now)
    notRevertible.push({ command, reason: { kind: 'notRestored' } })
  }
  for (const [k, { teamId, userId }] of touched.teams)
    check({ kind: 'team', id: teamId }, userId, teamsBefore.get(k), teamsAfter.get(k))
  for (const [k, { channelId, userId }] of touched.channels)
    check({ kind: 'channel', id: channelId }, userId, channelsBefore.get(k), channelsAfter.get(k))
}

type Row = { readonly schemeAdmin: boolean; readonly schemeGuest: boolean }

const sameRow = (a: Row | undefined, b: Row | undefined): boolean =>
  a === undefined || b === undefined
    ? a === b
    : a.schemeAdmin === b.schemeAdmin && a.schemeGuest === b.schemeGuest

/** The commands that take membership `now` back to `was` (none when the same, or only the guest flag differs). */
function inverseOf(
  ref: SyncableRef,
  userId: string,
  was: Row | undefined,
  now: Row | undefined,
): PlannedCommand[] {
  if (was !== undefined && now === undefined) {
    const add = withReason(
      addCommand(ref, userId, roleOf(was)),
      `revert: the run removed this ${ref.kind} membership (was ${roleOf(was)})`,
    )
    return was.schemeGuest && was.schemeAdmin
      ? [add, withReason(setCommand(ref, userId, true), flagReason(true))]
      : [add]
  }
  if (was === undefined && now !== undefined)
    return [
      withReason(removeCommand(ref, userId), `revert: the run added this ${ref.kind} membership`),
    ]
  if (was !== undefined && now !== undefined && was.schemeAdmin !== now.schemeAdmin)
    return [withReason(setCommand(ref, userId, was.schemeAdmin), flagReason(was.schemeAdmin))]
  return []
}

// What a membership that differs would need, for the list: its add, removal or admin flag.
function neededCommand(
  ref: SyncableRef,
  userId: string,
  was: Row | undefined,
  now: Row | undefined,
): SyncCommand {
  if (was === undefined) return removeCommand(ref, userId)
  if (now === undefined || now.schemeGuest !== was.schemeGuest)
    return addCommand(ref, userId, roleOf(was))
  return setCommand(ref, userId, was.schemeAdmin)
}

const withReason = (command: SyncCommand, reason: string): PlannedCommand => ({
  ...command,
  reason,
})

const addCommand = (ref: SyncableRef, userId: string, role: Role): SyncCommand =>
  ref.kind === 'team'
    ? { kind: 'addTeamMember', teamId: ref.id, userId, role }
    : { kind: 'addChannelMember', channelId: ref.id, userId, role }

const setCommand = (ref: SyncableRef, userId: string, schemeAdmin: boolean): SyncCommand =>
  ref.kind === 'team'
    ? { kind: 'setTeamMemberAdmin', teamId: ref.id, userId, schemeAdmin }
    : { kind: 'setChannelMemberAdmin', channelId: ref.id, userId, schemeAdmin }

const removeCommand = (ref: SyncableRef, userId: string): SyncCommand =>
  ref.kind === 'team'
    ? { kind: 'removeTeamMember', teamId: ref.id, userId }
    : { kind: 'removeChannelMember', channelId: ref.id, userId }

function liveTeamRows(state: SyncState): Map<string, TeamMember> {
  const rows = new Map<string, TeamMember>()
  for (const m of state.teamMembers) if (m.deleted !== true) rows.set(key(m.teamId, m.userId), m)
  return rows
}

function channelRows(state: SyncState): Map<string, ChannelMember> {
  return new Map(state.channelMembers.map((m) => [key(m.channelId, m.userId), m]))
}

const order: Readonly<Record<SyncCommand['kind'], number>> = {
  addTeamMember: 0,
  addChannelMember: 1,
  setTeamMemberAdmin: 2,
  setChannelMemberAdmin: 3,
  removeChannelMember: 4,
  removeTeamMember: 5,
}

// Stable: a guest's re-add stays before its admin flag.
function orderCommands(commands: PlannedCommand[]): PlannedCommand[] {
  return commands
    .map((c, i) => ({ c, i }))
    .sort((a, b) => order[a.c.kind] - order[b.c.kind] || a.i - b.i)
    .map(({ c }) => c)
}

/** A command of a revert plan file that is not part of the run's inverse against the live state. */
export interface RefusedRevertCommand {
  /** Its position in the commands passed in. */
  readonly index: number
  readonly command: SyncCommand
  readonly message: string
}

/**
 * How a target admits a revert plan file (marked as the revert of a journalled run): not with
 * `admitCommands` — a re-add no linked group justifies is exactly what a revert does — but against
 * the journal: a command is admitted only if `revertPlan` of that run, made against the live
 * state now, plans the same command (kind, membership, role or flag). So a file edited to add
 * anything else is refused, and so is a command already undone or overtaken since the file was
 * written (per-command staleness: make the revert again).
 */
export function admitRevert(
  commands: readonly SyncCommand[],
  applied: AppliedRun,
  state: SyncState,
): {
  readonly admitted: readonly SyncCommand[]
  readonly refused: readonly RefusedRevertCommand[]
} {
  const inverse = revertPlan(applied, state)
  const planned = new Set(inverse.commands.map((c) => JSON.stringify(toSyncCommand(c))))
  const seen = new Set<string>()
  const admitted: SyncCommand[] = []
  const refused: RefusedRevertCommand[] = []
  commands.forEach((command, index) => {
    const text = JSON.stringify(toSyncCommand(command))
    if (planned.has(text) && !seen.has(text)) {
      seen.add(text)
      admitted.push(command)
      return
    }
    const why = seen.has(text) ? 'appears twice' : 'is not part of undoing that run now'
    refused.push({
      index,
      command,
      message: `#${index + 1} ${command.kind} of ${command.userId} ${why}`,
    })
  })
  return { admitted, refused }
}
