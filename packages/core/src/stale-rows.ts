import type { SyncState } from './model.js'
import { escapeForTerminal } from './plan-file.js'
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
 * no row before the plan, as the write does). A plan made from `state` has none. Pure.
 */
export function staleRows(
  commands: readonly SyncCommand[],
  state: Pick<SyncState, 'teamMembers' | 'channelMembers'>,
): StaleRow[] {
  const rows = new Map<string, Row>()
  for (const m of state.teamMembers)
    rows.set(`t\u0000${m.teamId}\u0000${m.userId}`, {
      live: m.deleted !== true,
      admin: m.schemeAdmin,
    })
  for (const m of state.channelMembers)
    rows.set(`c\u0000${m.channelId}\u0000${m.userId}`, { live: true, admin: m.schemeAdmin })
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
      case 'addChannelMember':
        if (live) expected = 'not to be an active member, and is one'
        next = { live: true, admin: command.role === 'admin' }
        break
      case 'setTeamMemberAdmin':
      case 'setChannelMemberAdmin':
        if (!live) expected = 'to be an active member, and is none'
        else if (row.admin === command.schemeAdmin)
          expected = `to have SchemeAdmin ${String(!command.schemeAdmin)}, and has ${String(row.admin)}`
        next = { live: true, admin: command.schemeAdmin }
        break
      case 'removeTeamMember':
      case 'removeChannelMember':
        if (!live) expected = 'to be an active member, and is none'
        next = { live: false, admin: false }
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
