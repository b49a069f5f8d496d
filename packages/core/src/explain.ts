import { match } from 'ts-pattern'
import type { Channel, Role, SyncableRef, SyncState, Team, User } from './model.js'
import { decideRole, type RoleDecision } from './decide-role.js'
import { nestingPath } from './nesting-path.js'
import { planSync } from './plan-sync.js'
import {
  commandSyncable,
  type HeldCommand,
  type PlannedCommand,
  type SyncWarning,
} from './sync-command.js'
import { resolvePolicy, type SyncPolicyInput } from './sync-policy.js'
import {
  constraintLabel,
  isBypassed,
  isLiveChannel,
  isLiveLink,
  isLiveTeam,
  joinsByDefault,
  keepsTownSquare,
  roleSource,
} from './rules.js'

/** One group linked to the syncable, seen from the user's side. */
export interface ExplainedLink {
  readonly groupId: string
  readonly groupName: string
  readonly autoAdd: boolean
  readonly schemeAdmin: boolean
  readonly linkDeleted: boolean
  readonly groupDeleted: boolean
  readonly groupUnavailable: boolean
  readonly userIsMember: boolean
  /** How the user is in the group when only through nested groups: group names, outermost first. */
  readonly nestingPath?: readonly string[]
  /** Does this link count (link, group and syncable all live)? */
  readonly counts: boolean
  /** The group is derived from another group's managers (`Group.managersOf`). */
  readonly managers?: boolean
}

/** Current and desired membership and role of one user on one syncable, with the groups behind them. */
export interface Explanation {
  readonly userId: string
  readonly syncable: SyncableRef
  readonly user?: User
  readonly syncableName?: string
  readonly syncableLive: boolean
  /** Mattermost's own flag. */
  readonly groupConstrained: boolean
  /** This project's own constraint: planned like a group-constrained syncable. */
  readonly managed: boolean
  readonly managedBy?: string
  readonly current: {
    readonly member: boolean
    readonly leftOrRemoved: boolean
    readonly role?: Role
  }
  readonly decision: RoleDecision
  readonly links: readonly ExplainedLink[]
  /** What this run's plan does for this user on this syncable (and on a channel's team). */
  readonly commands: readonly PlannedCommand[]
  readonly held: readonly HeldCommand[]
  readonly warnings: readonly SyncWarning[]
  /** The same as readable lines, for a CLI or a log. */
  readonly lines: readonly string[]
}

/** Explains the plan for one user on one team or channel. Pure; plans the whole state to be exact. */
export function explain(
  state: SyncState,
  query: { readonly userId: string; readonly syncable: SyncableRef },
  policy?: SyncPolicyInput,
): Explanation {
  const { userId, syncable } = query
  const user = state.users.find((u) => u.id === userId)
  const { target, channel, syncableLive, current } = match(syncable)
    .returnType<Seen>()
    .with({ kind: 'team' }, ({ id }) => {
      const team = state.teams.find((t) => t.id === id)
      const row = state.teamMembers.find((m) => m.teamId === id && m.userId === userId)
      return {
        target: team,
        syncableLive: team !== undefined && isLiveTeam(team),
        current:
          row === undefined
            ? { member: false, leftOrRemoved: false }
            : {
                member: row.deleted !== true,
                leftOrRemoved: row.deleted === true,
                ...(row.deleted !== true ? { role: rowRole(row) } : {}),
              },
      }
    })
    .with({ kind: 'channel' }, ({ id }) => {
      const found = state.channels.find((c) => c.id === id)
      const team = found && state.teams.find((t) => t.id === found.teamId)
      const row = state.channelMembers.find((m) => m.channelId === id && m.userId === userId)
      const left =
        row === undefined &&
        state.channelHistory.some((h) => h.channelId === id && h.userId === userId)
      return {
        target: found,
        channel: found,
        syncableLive: found !== undefined && isLiveChannel(found, team),
        current:
          row === undefined
            ? { member: false, leftOrRemoved: left }
            : { member: true, leftOrRemoved: false, role: rowRole(row) },
      }
    })
    .exhaustive()
  const groupsById = new Map(state.groups.map((g) => [g.id, g]))

  const links: ExplainedLink[] = state.links
    .filter((l) => l.syncable.kind === syncable.kind && l.syncable.id === syncable.id)
    .map((l) => {
      const group = groupsById.get(l.groupId)
      const member = group?.memberIds.includes(userId) === true
      const path = member ? nestingPath(groupsById, l.groupId, userId) : group?.nesting?.[userId]
      return {
        groupId: l.groupId,
        groupName: group?.name ?? l.groupId,
        autoAdd: l.autoAdd,
        schemeAdmin: l.schemeAdmin,
        linkDeleted: l.deleted === true,
        groupDeleted: group === undefined || group.deleted === true,
        groupUnavailable: group?.status === 'unavailable',
        userIsMember: member,
        ...(path !== undefined ? { nestingPath: path } : {}),
        ...(group?.managersOf !== undefined ? { managers: true } : {}),
        counts: isLiveLink(l, group, syncableLive),
      }
    })
    .sort((a, b) => (a.groupName < b.groupName ? -1 : a.groupName > b.groupName ? 1 : 0))

  const liveGroupIds = state.groups
    .filter((g) => g.deleted !== true && g.memberIds.includes(userId))
    .map((g) => g.id)
  const decided: RoleDecision =
    user === undefined
      ? { role: 'member', reason: `user ${userId} is not in the state`, viaGroupIds: [] }
      : decideRole({ user, syncable, links: state.links, userGroupIds: liveGroupIds }, policy)
  // The same decision, told with group and syncable names instead of ids; a group derived from
  // managers reads as what it means ("manages mm_rl_infrastructure (memberManager)").
  const where = `${syncable.kind} ${target?.name ?? syncable.id}`
  const viaGroups = decided.viaGroupIds.map((id) => groupsById.get(id))
  const inNames = viaGroups.flatMap((g, i) =>
    g?.managersOf === undefined ? [g?.name ?? decided.viaGroupIds[i] ?? ''] : [],
  )
  const manages = [
    ...new Set(
      viaGroups.flatMap((g) =>
        g?.managersOf === undefined
          ? []
          : [
              `manages ${g.managersOf.groupName}${g.managersOf.attribute !== undefined ? ` (${g.managersOf.attribute})` : ''}`,
            ],
      ),
    ),
  ]
  const viaText = [...(inNames.length > 0 ? [`in ${inNames.join(', ')}`] : []), ...manages].join(
    ' and ',
  )
  const decision: RoleDecision =
    user === undefined || decided.role === 'guest' || isBypassed(user, resolvePolicy(policy))
      ? decided
      : {
          ...decided,
          reason:
            decided.role === 'admin'
              ? `${viaText}, linked to ${where} with scheme admin`
              : viaText !== ''
                ? `${viaText}, none linked to ${where} with scheme admin`
                : `in no group linked to ${where} with scheme admin`,
        }

  const plan = planSync(state, policy)
  const concerns = (c: PlannedCommand) => {
    if (c.userId !== userId) return false
    const s = commandSyncable(c)
    return (
      (s.kind === syncable.kind && s.id === syncable.id) ||
      (channel !== undefined && s.kind === 'team' && s.id === channel.teamId)
    )
  }
  const commands = plan.commands.filter(concerns)
  const held = plan.held.filter(concerns)
  const warnings = plan.warnings.filter(
    (w) =>
      (w.kind === 'channelAddSkipped' &&
        w.userId === userId &&
        syncable.kind === 'channel' &&
        w.channelId === syncable.id) ||
      (w.kind === 'unavailableGroup' &&
        w.syncables.some((s) => s.kind === syncable.kind && s.id === syncable.id)),
  )

  const name = target?.name
  const constraint = target === undefined ? '' : constraintLabel(target)
  const notes: string[] = []
  if (channel !== undefined && syncableLive) {
    const teamName = state.teams.find((t) => t.id === channel.teamId)?.name ?? channel.teamId
    if (joinsByDefault(channel))
      notes.push(`  default channel: new non-guest members of team ${teamName} join it`)
    const outside =
      current.member && constraint !== '' && !links.some((l) => l.counts && l.userIsMember)
    if (
      outside &&
      user !== undefined &&
      keepsTownSquare(channel.name, roleSource(user, resolvePolicy(policy)) === 'guest')
    )
      notes.push(
        `  kept: Mattermost never removes a non-guest from ${channel.name}; only leaving team ${teamName} does`,
      )
  }
  const lines = [
    `${user?.username ?? userId} on ${syncable.kind} ${name ?? syncable.id}${syncableLive ? '' : ' (not live: nothing is synced)'}${constraint !== '' ? ` [${constraint}]` : ''}`,
    `  now: ${current.member ? `member, ${current.role ?? 'member'}` : current.leftOrRemoved ? 'not a member (left or removed before)' : 'not a member'}`,
    `  decided role: ${decision.role}: ${decision.reason}`,
    ...links.map(
      (l) =>
        `  group ${l.groupName}: ${l.userIsMember ? (l.managers ? 'a manager' : 'member') : l.managers ? 'not a manager' : 'not a member'}${l.nestingPath !== undefined ? ` via ${l.nestingPath.join(' > ')}` : ''}; link auto-add=${l.autoAdd} scheme-admin=${l.schemeAdmin}${l.linkDeleted ? ' (link deleted)' : ''}${l.groupDeleted ? ' (group deleted)' : ''}${l.groupUnavailable ? ' (group unavailable)' : ''}`,
    ),
    ...(commands.length === 0 && held.length === 0 ? ['  plan: nothing to do'] : []),
    ...commands.map((c) => `  plan: ${c.kind} (${c.reason})`),
    ...notes,
    ...held.map((c) =>
      c.hold.kind === 'leftToMattermost'
        ? `  left to Mattermost's group sync: ${c.kind} (${c.reason})`
        : `  held: ${c.kind} (${c.reason}; held by ${c.hold.kind})`,
    ),
    ...warnings.map((w) => `  warning: ${w.message}`),
  ]

  return {
    userId,
    syncable,
    ...(user !== undefined ? { user } : {}),
    ...(name !== undefined ? { syncableName: name } : {}),
    syncableLive,
    groupConstrained: target?.groupConstrained === true,
    managed: target?.managed === true,
    ...(target?.managed === true && target.managedBy !== undefined
      ? { managedBy: target.managedBy }
      : {}),
    current,
    decision,
    links,
    commands,
    held,
    warnings,
    lines,
  }
}

/** What explain reads from the state for the one syncable asked about. */
interface Seen {
  readonly target: Team | Channel | undefined
  /** The channel asked about, so that its team's commands count too. */
  readonly channel?: Channel | undefined
  readonly syncableLive: boolean
  readonly current: Explanation['current']
}

function rowRole(row: { readonly schemeAdmin: boolean; readonly schemeGuest: boolean }): Role {
  return row.schemeGuest ? 'guest' : row.schemeAdmin ? 'admin' : 'member'
}
