import { err, type Result } from 'neverthrow'
import { createSnapshotBuilder } from './build-snapshot.js'
import { toDirectoryEntry, type DirectoryEntry } from './directory-entry.js'
import { directoryWarning, type DirectorySnapshot, type DirectoryWarning } from '@grouproles/core'
import {
  resolveLdapConfig,
  type LdapConfigError,
  type LdapDirectoryConfig,
} from './ldap-directory-config.js'
import { compileFilter, type UnsupportedFilterError } from './match-filter.js'
import { dnKey, isDnKeyWithin } from './normalize-dn.js'
import { scanLdif, type LdifParseError } from './parse-ldif.js'
import { readLimitError, type ReadLimitError } from './read-limits.js'

/**
 * Why an LDIF export could not be turned into a snapshot. `readLimit`: the export is bigger than
 * `limits.maxBytes` (counted in characters) or holds more than `limits.maxEntries` records, or its
 * nesting is past `limits.maxNestingDepth` / `limits.maxMemberships`.
 */
export type LdifError = LdifParseError | LdapConfigError | UnsupportedFilterError | ReadLimitError

/**
 * Reads an LDIF export (e.g. `ldapsearch -LLL … > dump.ldif`) into the same snapshot `readDirectory`
 * returns, selecting users and groups by the config's containers and filters. Pure; for offline planning.
 */
export function readLdif(
  text: string,
  config: LdapDirectoryConfig,
): Result<DirectorySnapshot, LdifError> {
  const resolved = resolveLdapConfig(config)
  if (resolved.isErr()) return err(resolved.error)
  const c = resolved.value
  const userMatch = compileFilter(c.userFilter)
  if (userMatch.isErr()) return err(userMatch.error)
  const groupMatch = compileFilter(c.groupFilter)
  if (groupMatch.isErr()) return err(groupMatch.error)
  // Checked before parsing: the parsed records take a few times the text's memory.
  if (text.length > c.limits.maxBytes) return err(readLimitError('bytes', c.limits.maxBytes))
  const usersKey = dnKey(c.usersDn).unwrapOr('')
  const groupsKey = dnKey(c.groupsDn).unwrapOr('')
  const warnings: DirectoryWarning[] = []
  const skipped: DirectoryWarning[] = []
  // Users are reduced as they are read; the few group entries wait, so warnings keep their order.
  const builder = createSnapshotBuilder(c)
  const groups: DirectoryEntry[] = []
  let entries = 0
  const scanned = scanLdif(text, (item) => {
    if (item.kind === 'warning') {
      warnings.push(item.warning)
      return true
    }
    if (++entries > c.limits.maxEntries) return false
    const raw = item.entry
    const key = dnKey(raw.dn)
    if (key.isErr()) {
      skipped.push(
        directoryWarning({ kind: 'entrySkipped', dn: raw.dn, reason: key.error.message }),
      )
      return true
    }
    const entry = toDirectoryEntry(
      raw.dn,
      raw.attributes.map((a) => [a.type, a.value] as const),
    )
    // Same scope rules as the server search: subtree of the container, then the filter.
    if (isDnKeyWithin(key.value, usersKey) && userMatch.value(entry)) builder.addUser(entry)
    if (isDnKeyWithin(key.value, groupsKey) && groupMatch.value(entry)) groups.push(entry)
    return true
  })
  if (scanned.isErr()) return err(scanned.error)
  if (entries > c.limits.maxEntries) return err(readLimitError('entries', c.limits.maxEntries))
  for (const g of groups) builder.addGroup(g)
  return builder.finish().map((s) => ({ ...s, warnings: [...warnings, ...skipped, ...s.warnings] }))
}
