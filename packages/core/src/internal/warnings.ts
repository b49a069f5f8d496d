import { match } from 'ts-pattern'
import type { SyncableRef } from '../model.js'
import type { SyncWarning } from '../sync-command.js'

// The warnings the index and the planner make, and the one order a plan lists them in.

/** A row names a user, group, team or channel the state does not have: the row is ignored. */
export function unknownReference(
  entity: 'user' | 'group' | 'team' | 'channel',
  id: string,
  where: string,
): SyncWarning {
  return {
    kind: 'unknownReference',
    entity,
    id,
    where,
    message: `${where} names ${entity} ${id}, which is not in the state; ignored`,
  }
}

/** Unknown users of membership rows, each (syncable, user) warned about once. */
export class UnknownUsers {
  readonly #seen = new Set<string>()

  constructor(readonly warnings: SyncWarning[]) {}

  note(userId: string, ref: SyncableRef): void {
    const key = `${ref.kind}:${ref.id}:${userId}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    this.warnings.push(unknownReference('user', userId, `${ref.kind} ${ref.id} membership`))
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function warningKey(w: SyncWarning): string {
  return match(w)
    .with({ kind: 'unavailableGroup' }, (x) => `0:${x.groupId}`)
    .with({ kind: 'unknownReference' }, (x) => `1:${x.entity}:${x.id}:${x.where}`)
    .with({ kind: 'channelAddSkipped' }, (x) => `2:${x.channelId}:${x.userId}`)
    .with({ kind: 'removalsHeld' }, (x) =>
      match(x.hold)
        .with(
          { kind: 'maxRemovalFraction' },
          (h) => `3:${h.kind}:${h.syncable.kind}:${h.syncable.id}`,
        )
        .with(
          { kind: 'leftToMattermost' },
          (h) => `3:${h.kind}:${h.syncable.kind}:${h.syncable.id}`,
        )
        .with({ kind: 'maxRemovals' }, (h) => `3:${h.kind}`)
        .exhaustive(),
    )
    .exhaustive()
}

/** Warnings in one order whatever the input's, each said once (by its key). */
export function sortWarnings(list: readonly SyncWarning[]): SyncWarning[] {
  const byKey = new Map<string, SyncWarning>()
  for (const w of list) if (!byKey.has(warningKey(w))) byKey.set(warningKey(w), w)
  return [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, w]) => w)
}
