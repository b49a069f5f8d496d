import type { ApplyContext } from '../admit-commands.js'
import type { Group, GroupLink, SyncableRef } from '../model.js'
import { commandSyncable, type SyncCommand } from '../sync-command.js'

/**
 * A group load under which `commands` are justified wherever the state allows it, for tests of an
 * applier's mechanics on hand-made or random commands: each add or promotion of a user to a
 * syncable gets a one-member group linked there with auto-add and scheme-admin, and each syncable
 * a removal or demotion names is managed (a pair with both gets no link: its removal wins). What
 * no load can justify stays refused: unknown or deleted syncables and users, D/G channels, roles
 * contradicting the user, bots' removals, non-guests out of town-square. Filter the commands with
 * `admitCommands` when a test needs only admitted ones.
 */
export function admittingContext(commands: readonly SyncCommand[]): ApplyContext {
  const key = (ref: SyncableRef, userId: string) => `${ref.kind}\u0000${ref.id}\u0000${userId}`
  const lowers = new Set<string>()
  const managed = new Map<string, SyncableRef>()
  for (const c of commands) {
    const lowering =
      c.kind === 'removeTeamMember' ||
      c.kind === 'removeChannelMember' ||
      (c.kind === 'setTeamMemberAdmin' && !c.schemeAdmin) ||
      (c.kind === 'setChannelMemberAdmin' && !c.schemeAdmin)
    if (!lowering) continue
    const ref = commandSyncable(c)
    lowers.add(key(ref, c.userId))
    managed.set(`${ref.kind}\u0000${ref.id}`, ref)
  }
  const groups: Group[] = []
  const links: GroupLink[] = []
  const linked = new Set<string>()
  for (const c of commands) {
    const ref = commandSyncable(c)
    const k = key(ref, c.userId)
    if (lowers.has(k) || linked.has(k)) continue
    linked.add(k)
    const id = `admit-${String(groups.length)}`
    groups.push({ id, name: id, memberIds: [c.userId] })
    links.push({ groupId: id, syncable: ref, autoAdd: true, schemeAdmin: true })
  }
  return {
    groupLoad: {
      groups,
      links,
      managed: [...managed.values()].map((syncable) => ({ syncable, by: 'admittingContext' })),
    },
  }
}
