import type { ConnectionOptions } from 'node:tls'
import { isIP } from 'node:net'
import { Client, type Entry } from 'ldapts'
import { err, errAsync, ResultAsync } from 'neverthrow'
import { match } from 'ts-pattern'
import { createSnapshotBuilder } from './build-snapshot.js'
import { fromLdapEntry, toDirectoryEntry, type DirectoryEntry } from './directory-entry.js'
import { directoryWarning, type DirectorySnapshot } from '@grouproles/core'
import {
  resolveLdapConfig,
  type LdapDirectoryConfig,
  type ResolvedLdapConfig,
} from './ldap-directory-config.js'
import { findRange } from './read-ranged-values.js'
import { checkLdapTransport } from './check-ldap-transport.js'
import { readAhead } from './read-ahead.js'
import { readFreshness } from './read-freshness.js'
import { completeRangedGroup } from './complete-ranged-group.js'
import { ReadLimitExceeded, readLimitError, type ReadLimitError } from './read-limits.js'
import {
  ConnectionLostError,
  EmptyDirectoryError,
  toLdapError,
  type LdapError,
  type ReadPhase,
} from './to-ldap-error.js'

function toEntry(e: Entry): DirectoryEntry {
  return fromLdapEntry(e)
}

function attributeLists(c: ResolvedLdapConfig): {
  users: string[]
  groups: string[]
  binary: string[]
} {
  const a = c.attributes
  const disabledAttr = c.disabled.kind === 'none' ? [] : [c.disabled.attribute]
  const users = [...new Set([a.username, a.userId, a.email, ...disabledAttr])]
  const groups = [
    ...new Set([
      a.groupName,
      a.groupId,
      ...a.member,
      ...(a.memberUid === '' ? [] : [a.memberUid]),
      ...(a.manager ?? []),
      // Asked for with every preset: the snapshot builder counts external members wherever they
      // show up (as readLdif does on a full export), and servers ignore unknown attribute names.
      'ipaExternalMember',
    ]),
  ]
  // ldapts matches explicit buffer attributes by the server's spelling; list the usual ones.
  const binary =
    c.idFormat === 'guid'
      ? [
          ...new Set([
            a.userId,
            a.groupId,
            a.userId.toLowerCase(),
            a.groupId.toLowerCase(),
            'objectGUID',
          ]),
        ]
      : []
  return { users, groups, binary }
}

function tlsOptions(c: ResolvedLdapConfig, url: URL): ConnectionOptions {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return {
    ...(c.tls.ca !== undefined ? { ca: [c.tls.ca] } : {}),
    rejectUnauthorized: c.tls.rejectUnauthorized,
    host,
    // SNI takes host names only; an IP is checked against the certificate's IP SANs.
    ...(isIP(host) === 0 ? { servername: host } : {}),
  }
}

// What an entry weighs as received, roughly: its DN, attribute names and values.
function approximateBytes(e: DirectoryEntry): number {
  let n = e.dn.length
  for (const [name, values] of e.attributes) {
    n += name.length
    for (const v of values) n += v.length
  }
  return n
}

// Unbinding asks the server politely; a wedged socket must not hold the read past its deadline.
const closeSoon = (cl: Client): Promise<unknown> =>
  Promise.race([
    cl.unbind().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 1_000).unref()),
  ])

async function readOnce(
  c: ResolvedLdapConfig,
  url: string,
  progress: { phase: ReadPhase },
  deadline: number,
): Promise<DirectorySnapshot> {
  const parsedUrl = new URL(url)
  const secure = parsedUrl.protocol === 'ldaps:'
  const clients: Client[] = []
  const { limits } = c
  // The first limit hit ends the read; errors that follow from it (a closed socket) are its echo.
  let limitHit: ReadLimitError | undefined
  const refuse = (e: ReadLimitError): never => {
    limitHit ??= e
    throw new ReadLimitExceeded(limitHit)
  }
  // At the deadline the connections are closed, which ends the searches in flight at once.
  const timer = setTimeout(
    () => {
      limitHit ??= readLimitError('deadline', limits.deadlineMs, { url })
      for (const cl of clients) void closeSoon(cl)
    },
    // setTimeout cannot wait longer than 2^31 - 1 ms (it would fire at once): that long is never.
    Math.min(2 ** 31 - 1, Math.max(0, deadline - Date.now())),
  )
  let entries = 0
  let bytes = 0
  // A range slice re-reads an entry: its bytes count, not as another entry.
  const count = (page: readonly DirectoryEntry[], asEntries = true): void => {
    if (asEntries) entries += page.length
    for (const e of page) bytes += approximateBytes(e)
    if (limitHit !== undefined) refuse(limitHit)
    if (entries > limits.maxEntries) refuse(readLimitError('entries', limits.maxEntries, { url }))
    if (bytes > limits.maxBytes) refuse(readLimitError('bytes', limits.maxBytes, { url }))
  }
  // One bound connection per paged search: slapd (and others) allow one paged search per connection.
  const open = async (): Promise<Client> => {
    const client = new Client({
      url,
      timeout: c.timeoutMs,
      connectTimeout: c.connectTimeoutMs,
      ...(secure ? { tlsOptions: tlsOptions(c, parsedUrl) } : {}),
    })
    clients.push(client)
    progress.phase = 'connect'
    if (c.tls.startTls) {
      progress.phase = 'startTls'
      await client.startTLS(tlsOptions(c, parsedUrl))
    }
    progress.phase = 'bind'
    await client.bind(c.bindDn, c.password).catch((e: unknown) => {
      // ldapts connects lazily inside bind: no connection afterwards means connecting failed.
      if (!client.isConnected) progress.phase = 'connect'
      throw e
    })
    return client
  }
  try {
    const client = await open()
    const groupClient = await open()
    progress.phase = 'read'
    // Before the entries: the data read next is at least as fresh as this marker.
    const freshness = await readFreshness(client, c.groupsDn)
    const lists = attributeLists(c)
    // ldapts reconnects silently (and unauthenticated) when a connection dropped between operations;
    // an anonymous read would see fewer attributes, so treat it as a lost connection instead.
    const ensureBound = (cl: Client): void => {
      if (!cl.isBound) throw new ConnectionLostError('the connection dropped between two searches')
    }
    const builder = createSnapshotBuilder(c)
    if (freshness === undefined)
      builder.warn(directoryWarning({ kind: 'noFreshnessMarker', source: 'ldap' }))
    // Yields whole pages: an await per entry would cost more than the entry's own processing.
    const paged = async function* (
      cl: Client,
      base: string,
      filter: string,
      attributes: string[],
    ): AsyncGenerator<readonly DirectoryEntry[]> {
      ensureBound(cl)
      const pages = cl.searchPaginated(base, {
        scope: 'sub',
        filter,
        attributes,
        explicitBufferAttributes: lists.binary,
        paged: { pageSize: c.pageSize },
      })
      // The server prepares the next page while this process parses the current one.
      for await (const page of readAhead(pages)) {
        const entries = page.searchEntries.map(toEntry)
        count(entries)
        yield entries
        for (const ref of page.searchReferences)
          builder.warn(directoryWarning({ kind: 'referralIgnored', url: ref }))
      }
    }
    // Groups cut by AD's MaxValRange wait until the paged search is over, then get their slices.
    const ranged: DirectoryEntry[] = []
    // Both searches run at once on their own connections: the server prepares one while this
    // process parses the other. Either failing fails the read.
    await Promise.all([
      (async () => {
        for await (const page of paged(client, c.usersDn, c.userFilter, lists.users))
          for (const e of page) builder.addUser(e)
      })(),
      (async () => {
        for await (const page of paged(groupClient, c.groupsDn, c.groupFilter, lists.groups))
          for (const e of page) {
            if (c.rangeRetrieval && c.attributes.member.some((m) => findRange(e, m) !== undefined))
              ranged.push(e)
            else builder.addGroup(e)
          }
      })(),
    ])
    for (const entry of ranged) {
      const fetch = async (spec: string): Promise<DirectoryEntry> => {
        ensureBound(client)
        const r = await client.search(entry.dn, {
          scope: 'base',
          filter: '(objectClass=*)',
          attributes: [spec],
        })
        const first = r.searchEntries[0]
        const slice = first === undefined ? toDirectoryEntry(entry.dn, []) : toEntry(first)
        count([slice], false)
        return slice
      }
      const group = await completeRangedGroup(entry, c.attributes.member, fetch, url)
      match(group)
        .with({ kind: 'complete' }, (g) => {
          builder.addGroup(g.entry)
        })
        .with({ kind: 'unavailable' }, (g) => {
          builder.addGroup(g.entry, g.reason)
        })
        .exhaustive()
    }
    const built = builder.finish()
    if (built.isErr()) return refuse({ ...built.error, url })
    const snapshot = built.value
    if (!c.allowEmpty) {
      if (snapshot.users.length === 0)
        throw new EmptyDirectoryError(`no users under ${c.usersDn} match ${c.userFilter}`)
      // No group at all is the same mistake as groups without members (a wrong container, filter or
      // ACL), and would have the core unlink every group.
      if (snapshot.groups.length === 0)
        throw new EmptyDirectoryError(`no groups under ${c.groupsDn} match ${c.groupFilter}`)
      if (snapshot.groups.every((g) => g.status === 'complete' && g.memberUsernames.length === 0))
        throw new EmptyDirectoryError(
          `none of the ${snapshot.groups.length} groups has a member the bind account can read`,
        )
    }
    if (limitHit !== undefined) refuse(limitHit)
    return freshness === undefined ? snapshot : { ...snapshot, freshness }
  } catch (e) {
    if (limitHit !== undefined) throw new ReadLimitExceeded(limitHit)
    throw e
  } finally {
    clearTimeout(timer)
    // Also after errors: an open socket keeps the process (and vitest) alive.
    await Promise.all(clients.map(closeSoon))
  }
}

/**
 * Reads users and groups from an LDAP directory: binds, pages through both containers with explicit
 * attribute lists, fetches AD `member;range=` slices, resolves and flattens membership. Either the
 * whole snapshot or a typed error; servers in `urls` are tried in order when one cannot be reached.
 * An insecure transport (see `checkLdapTransport`) is refused before connecting unless `insecure`.
 */
export function readDirectory(
  config: LdapDirectoryConfig,
): ResultAsync<DirectorySnapshot, LdapError> {
  const resolved = resolveLdapConfig(config)
  if (resolved.isErr()) return errAsync(resolved.error)
  // Before any connection: a refused transport must not have sent the password once.
  const transport = checkLdapTransport(config)
  if (transport.isErr()) return errAsync(transport.error)
  const c = resolved.value
  // One deadline for the whole read, failing over included.
  const deadline = Date.now() + c.limits.deadlineMs
  const attempt = (
    index: number,
    failures: LdapError[],
  ): ResultAsync<DirectorySnapshot, LdapError> => {
    const url = c.urls[index] as string
    const progress: { phase: ReadPhase } = { phase: 'connect' }
    return ResultAsync.fromPromise(readOnce(c, url, progress, deadline), (e) =>
      toLdapError(e, progress.phase, url),
    ).orElse((e) => {
      // Fail over only while connecting: after the bind, another server could show another state.
      const retriable =
        progress.phase === 'connect' && (e.kind === 'unreachable' || e.kind === 'timeout')
      if (retriable && index + 1 < c.urls.length) return attempt(index + 1, [...failures, e])
      if (failures.length === 0) return err(e)
      return err({
        ...e,
        message: `${e.message}; before that: ${failures.map((f) => f.message).join('; ')}`,
      })
    })
  }
  return attempt(0, [])
}
