import type { SyncState } from './model.js'
import { escapeForTerminal } from './plan-file.js'
import { joinsByDefault } from './rules.js'
import type { SyncCommand } from './sync-command.js'

/** A command whose membership row is no longer as the plan expects (see `staleRows`). */
export interface StaleRow {
  /** Its position in the commands passed in. */
  readonly index: number
  readonly command: SyncCommand
  /** For people, ids escaped for a terminal: "#3 addTeamMember expected user … (changed since the plan)". */
  readonly message: string
}

/** A row as the commands so far leave it: absent, or live/soft-deleted with its admin flag. */
interface Row {
  readonly live: boolean
  readonly admin: boolean
}

/**
 * The commands whose precondition fails on `state`'s membership rows (those of the commanded
 * pairs suffice, so an applier reads only those): an add needs no live row, a removal a live row,
 * a role change a live row with the other flag. Commands are taken in order, each seeing the rows
 * the earlier ones leave (a default-channel join is no explicit row: the plan's add of it expects
 * no row before the plan, as the write does). With the state's `channels`, a channel removal (or
 * promotion) of a row that an earlier team add of the same commands joins by default (an add whose
 * role is not `guest`, a live open default channel of the team: core `applyPlan`'s model) finds
 * that row, as the write does: a revert plans these. A plan made from `state` has none. Pure.
 */
export function staleRows(
  commands: readonly SyncCommand[],
  state: Pick<SyncState, 'teamMembers' | 'channelMembers'> & Partial<Pick<SyncState, 'channels'>>,
): StaleRow[] {
  const rows = new Map<string, Row>()
  for (const m of state.teamMembers)
    rows.set(`t\u0000${m.teamId}\u0000${m.userId}`, {
      live: m.deleted !== true,
      admin: m.schemeAdmin,
    })
  for (const m of state.channelMembers)
    rows.set(`c\u0000${m.channelId}\u0000${m.userId}`, { live: true, admin: m.schemeAdmin })
  const joinedBy = defaultJoins(state)
  // Channel rows the commands' own team adds joined so far and no later command made explicit.
  const joined = new Set<string>()
  const stale: StaleRow[] = []
  commands.forEach((command, index) => {
    const key =
      'teamId' in command
        ? `t\u0000${command.teamId}\u0000${command.userId}`
        : `c\u0000${command.channelId}\u0000${command.userId}`
    const row = rows.get(key)
    const live = row?.live === true
    let expected: string | undefined
    let next: Row | undefined = row
    switch (command.kind) {
      case 'addTeamMember':
        if (live) expected = 'not to be an active member, and is one'
        next = { live: true, admin: command.role === 'admin' }
        if (command.role !== 'guest')
          for (const channelId of joinedBy(command.teamId)) {
            const channelKey = `c\u0000${channelId}\u0000${command.userId}`
            if (rows.get(channelKey)?.live !== true) joined.add(channelKey)
          }
        break
      case 'addChannelMember':
        if (live) expected = 'not to be an active member, and is one'
        next = { live: true, admin: command.role === 'admin' }
        joined.delete(key)
        break
      case 'setTeamMemberAdmin':
      case 'setChannelMemberAdmin':
        if (!live) {
          // A joined row is a plain member's.
          if (!joined.has(key)) expected = 'to be an active member, and is none'
          else if (!command.schemeAdmin)
            expected = 'to have SchemeAdmin true, and has false (a default join)'
        } else if (row.admin === command.schemeAdmin)
          expected = `to have SchemeAdmin ${String(!command.schemeAdmin)}, and has ${String(row.admin)}`
        next = { live: true, admin: command.schemeAdmin }
        joined.delete(key)
        break
      case 'removeTeamMember':
        if (!live) expected = 'to be an active member, and is none'
        next = { live: false, admin: false }
        // Leaving the team takes the rows its add joined.
        for (const channelId of joinedBy(command.teamId))
          joined.delete(`c\u0000${channelId}\u0000${command.userId}`)
        break
      case 'removeChannelMember':
        if (!live && !joined.has(key)) expected = 'to be an active member, and is none'
        next = { live: false, admin: false }
        joined.delete(key)
        break
      default: {
        // Exhaustive for typed callers; an unknown kind from an untyped one is stale, not a throw.
        const unknown: never = command
        expected = `a known command kind, not ${String((unknown as { kind?: unknown }).kind)}`
      }
    }
    if (expected !== undefined) {
      const where = 'teamId' in command ? `team ${command.teamId}` : `channel ${command.channelId}`
      stale.push({
        index,
        command,
        message: escapeForTerminal(
          `#${index + 1} ${command.kind} expected user ${command.userId} in ${where} ${expected} (changed since the plan)`,
        ),
      })
    }
    if (next !== undefined) rows.set(key, next)
  })
  return stale
}

/** The live open default channels of each team, which a non-guest team add joins. */
function defaultJoins(
  state: Partial<Pick<SyncState, 'channels'>>,
): (teamId: string) => readonly string[] {
  const byTeam = new Map<string, string[]>()
  for (const c of state.channels ?? []) {
    if (!joinsByDefault(c)) continue
    const list = byTeam.get(c.teamId) ?? []
    if (list.length === 0) byTeam.set(c.teamId, list)
    list.push(c.id)
  }
  return (teamId) => byTeam.get(teamId) ?? []
}
