export { readDirectory } from './read-directory.js'
export { readLdif } from './read-ldif.js'
export { parseLdif, scanLdif } from './parse-ldif.js'
// Identity matching and link rules moved to @grouproles/core (every group source uses them).
export { linksFromRules, parseLinkRules, resolveGroups } from '@grouproles/core'
export { LdapGroupSource } from './ldap-group-source.js'
export { LdifGroupSource } from './ldif-group-source.js'
export { flattenGroups } from './flatten-groups.js'
export { defaultLdapReadLimits } from './read-limits.js'
export { ldapPresets, parseLdapConfig, resolveLdapConfig } from './ldap-directory-config.js'
export { checkLdapTransport } from './check-ldap-transport.js'
export { dnKey, escapeDnValue, isDnKeyWithin, normalizeDn, parseDn } from './normalize-dn.js'
export { readRangedValues } from './read-ranged-values.js'
export { completeRangedGroup, type RangedGroup } from './complete-ranged-group.js'

export type {
  DirectoryGroup,
  DirectorySnapshot,
  DirectoryUser,
  DirectoryWarning,
} from './directory-snapshot.js'
export type {
  DisabledRule,
  LdapAttributeNames,
  LdapConfigError,
  LdapDirectoryConfig,
  LdapPreset,
  LdapPresetDefaults,
  LdapTlsConfig,
  ResolvedLdapConfig,
} from './ldap-directory-config.js'
export type { LdapError, LdapErrorKind } from './to-ldap-error.js'
export type { LdapTransportError, LdapTransportSettings } from './check-ldap-transport.js'
export type { LdifError } from './read-ldif.js'
export type {
  LdifAttribute,
  LdifEntry,
  LdifItem,
  LdifParseError,
  LdifWarning,
  ParsedLdif,
} from './parse-ldif.js'
export type {
  AmbiguousMatch,
  LinkRule,
  LinkRuleError,
  LinksFromRules,
  LinkWarning,
  MatchBy,
  ResolvedGroups,
  UnmatchedUser,
} from '@grouproles/core'
export type { LdapGroupSourceConfig } from './ldap-group-source.js'
export type { LdifGroupSourceConfig, LdifSourceError } from './ldif-group-source.js'
export type { FlatGroup, FlattenLimits, GroupNode } from './flatten-groups.js'
export type { LdapReadLimits, ReadLimitError, ReadLimitName } from './read-limits.js'
export type { DnAttribute, DnSyntaxError } from './normalize-dn.js'
export type { AttributeValue, DirectoryEntry } from './directory-entry.js'
export type { FetchRange, RangeError } from './read-ranged-values.js'
export type { UnsupportedFilterError } from './match-filter.js'
