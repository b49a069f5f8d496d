import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import type { MembershipStore, RememberedMemberships } from '@grouproles/core'
import type { PostgresClient, PostgresQueryable } from './postgres-client.js'
import type { PostgresError, SiteIdentity } from './postgres-error.js'
import { inTransaction, run, runArrays } from './internal/session.js'
import { migrateOn } from './migrate.js'
import * as q from './queries.js'

type SyncableKind = 'team' | 'channel'

/**
 * Core's `MembershipStore` in schema `grouproles` of any Postgres database (Mattermost's own, a
 * separate one, or PGlite in a data directory): one row per team or channel holding every user id
 * a run saw or made a member. `remember` writes only the syncables whose set grows.
 */
export class PostgresMembershipStore implements MembershipStore<PostgresError> {
  /** The Mattermost this store belongs to (the URL as compared: see `open`). */
  readonly site: SiteIdentity
  readonly #client: PostgresClient
  // What this store knows the table holds, per `kind\0id`, each list sorted. Rows only ever grow,
  // so this is a subset of the table even when another process writes too.
  #known: Map<string, readonly string[]> | undefined

  private constructor(client: PostgresClient, site: SiteIdentity) {
    this.#client = client
    this.site = site
  }

  /**
   * Migrates schema `grouproles` and binds the store to one Mattermost, in one transaction. A fresh
   * store records `site`; a store bound to another site id or URL is refused with
   * `differentMattermost`, one migrated by a newer grouproles with `schemaTooNew`, and then nothing
   * is written (not even a pending migration). URLs compare without a trailing slash, with scheme
   * and host in lower case.
   */
  static open(
    client: PostgresClient,
    site: SiteIdentity,
  ): ResultAsync<PostgresMembershipStore, PostgresError> {
    const given: SiteIdentity = { siteId: site.siteId, siteUrl: normalizeSiteUrl(site.siteUrl) }
    return inTransaction(client, 'BEGIN', (conn) =>
      migrateOn(conn).andThen(() => bindSite(conn, given)),
    ).map(() => new PostgresMembershipStore(client, given))
  }

  /** Every remembered membership, syncables sorted by id, user ids sorted. */
  recall(): ResultAsync<RememberedMemberships, PostgresError> {
    return runArrays(
      this.#client,
      'recalling remembered memberships',
      q.selectRememberedMemberships,
    ).map((rows) => {
      const known = new Map<string, readonly string[]>()
      for (const row of rows) {
        const kind = toKind(row[0])
        if (kind === undefined) continue
        known.set(keyOf(kind, String(row[1])), toUserIds(row[2]))
      }
      this.#known = known
      return toMemberships(known)
    })
  }

  /**
   * Adds `memberships` to what is kept. Only the (syncable, user) pairs this store does not know
   * yet are sent, and only syncables whose set grows are written: a run that saw nothing new writes
   * nothing. A store that has not recalled yet recalls first (a read) to know what is new.
   */
  remember(memberships: RememberedMemberships): ResultAsync<void, PostgresError> {
    return this.#recalled().andThen((current) => {
      const delta = newPairs(current, memberships)
      if (delta.size === 0) return okAsync(undefined)
      const rows: [SyncableKind, string, string[]][] = []
      for (const [key, added] of delta) rows.push([...splitKey(key), [...added]])
      return run(this.#client, 'remembering memberships', q.rememberMemberships, [
        JSON.stringify(rows),
      ]).map(() => {
        const now = this.#knownNow()
        for (const [key, added] of delta)
          now.set(key, mergeSorted(now.get(key) ?? [], [...added].sort()))
      })
    })
  }

  #recalled(): ResultAsync<Map<string, readonly string[]>, PostgresError> {
    return this.#known !== undefined
      ? okAsync(this.#known)
      : this.recall().map(() => this.#knownNow())
  }

  #knownNow(): Map<string, readonly string[]> {
    this.#known ??= new Map()
    return this.#known
  }
}

function bindSite(
  conn: PostgresQueryable,
  given: SiteIdentity,
): ResultAsync<undefined, PostgresError> {
  return runArrays(conn, "reading the store's Mattermost site", q.selectSiteIdentity).andThen(
    (rows) => {
      const stored = new Map(rows.map((r) => [String(r[0]), String(r[1])]))
      const storedId = stored.get('site_id')
      const storedUrl = stored.get('site_url')
      const sameId = storedId === undefined || storedId === given.siteId
      const sameUrl = storedUrl === undefined || normalizeSiteUrl(storedUrl) === given.siteUrl
      if (!sameId || !sameUrl) {
        const storedSite = { siteId: storedId ?? given.siteId, siteUrl: storedUrl ?? given.siteUrl }
        return errAsync<undefined, PostgresError>({
          kind: 'differentMattermost',
          message: `this store belongs to Mattermost ${describe(storedSite)}, not ${describe(given)}; use the store of that server or a new one (nothing was written)`,
          stored: storedSite,
          given,
        })
      }
      const missing: [string, string][] = []
      if (storedId === undefined) missing.push(['site_id', given.siteId])
      if (storedUrl === undefined) missing.push(['site_url', given.siteUrl])
      if (missing.length === 0) return okAsync(undefined)
      return run(conn, "recording the store's Mattermost site", q.insertSiteIdentity, [
        missing.map(([k]) => k),
        missing.map(([, v]) => v),
      ]).map(() => undefined)
    },
  )
}

function describe(site: SiteIdentity): string {
  return `${site.siteUrl === '' ? '(no site URL)' : site.siteUrl} (site id ${site.siteId})`
}

/** A site URL as compared: scheme and host lower case (URL parsing), no trailing slash. */
function normalizeSiteUrl(url: string): string {
  const trimmed = url.trim()
  let canonical = trimmed
  try {
    canonical = new URL(trimmed).href
  } catch {
    // Not a URL (e.g. Mattermost's SiteURL left empty): compared as written.
  }
  return canonical.replace(/\/+$/, '')
}

function keyOf(kind: SyncableKind, id: string): string {
  return `${kind}\u0000${id}`
}

function splitKey(key: string): [SyncableKind, string] {
  const at = key.indexOf('\u0000')
  return [key.slice(0, at) === 'team' ? 'team' : 'channel', key.slice(at + 1)]
}

function toKind(value: unknown): SyncableKind | undefined {
  return value === 'team' || value === 'channel' ? value : undefined
}

// The ids come as parsed JSON, sorted; sorted again here only when JS orders them otherwise.
function toUserIds(value: unknown): readonly string[] {
  if (!Array.isArray(value)) return []
  let sorted = true
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i]
    if (typeof id !== 'string') return value.map(String).sort()
    if (i > 0 && (value[i - 1] as string) > id) sorted = false
  }
  return sorted ? (value as string[]) : (value as string[]).sort()
}

function toMemberships(known: ReadonlyMap<string, readonly string[]>): RememberedMemberships {
  const teams: { teamId: string; userIds: readonly string[] }[] = []
  const channels: { channelId: string; userIds: readonly string[] }[] = []
  for (const [key, userIds] of known) {
    const [kind, id] = splitKey(key)
    if (kind === 'team') teams.push({ teamId: id, userIds })
    else channels.push({ channelId: id, userIds })
  }
  const byId =
    <T>(id: (x: T) => string) =>
    (a: T, b: T) =>
      id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0
  teams.sort(byId((t) => t.teamId))
  channels.sort(byId((c) => c.channelId))
  return { teams, channels }
}

/** Per syncable key, the user ids of `memberships` that `known` does not hold. */
function newPairs(
  known: ReadonlyMap<string, readonly string[]>,
  memberships: RememberedMemberships,
): Map<string, Set<string>> {
  const delta = new Map<string, Set<string>>()
  const add = (key: string, userIds: readonly string[]): void => {
    const have = known.get(key) ?? []
    for (const user of userIds) {
      if (includesSorted(have, user)) continue
      let added = delta.get(key)
      if (added === undefined) delta.set(key, (added = new Set()))
      added.add(user)
    }
  }
  for (const t of memberships.teams) add(keyOf('team', t.teamId), t.userIds)
  for (const c of memberships.channels) add(keyOf('channel', c.channelId), c.userIds)
  return delta
}

function includesSorted(sorted: readonly string[], value: string): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const at = sorted[mid] as string
    if (at === value) return true
    if (at < value) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/** The sorted union of two sorted lists (each without duplicates). */
function mergeSorted(a: readonly string[], b: readonly string[]): readonly string[] {
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = a[i]
    const y = b[j]
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x as string)
      i++
    } else if (x === undefined || y < x) {
      out.push(y)
      j++
    } else {
      out.push(x)
      i++
      j++
    }
  }
  return out
}
