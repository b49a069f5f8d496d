import { readFileSync } from 'node:fs'
import { FilterParser } from 'ldapts'
import { err, ok, type Result } from 'neverthrow'
import { dnKey } from './normalize-dn.js'
import { defaultLdapReadLimits, type LdapReadLimits } from './read-limits.js'

/** The directory flavours with built-in defaults. */
export type LdapPreset = 'freeipa' | 'openldap' | 'activeDirectory'

/** How a user entry is recognised as disabled. */
export type DisabledRule =
  | { readonly kind: 'none' }
  /** Disabled when the attribute has this value (case-insensitive), e.g. FreeIPA `nsAccountLock: TRUE`. */
  | { readonly kind: 'attributeEquals'; readonly attribute: string; readonly value: string }
  /** Disabled when the integer attribute has this bit set, e.g. AD `userAccountControl` bit 2. */
  | { readonly kind: 'bitSet'; readonly attribute: string; readonly bit: number }
  /** Disabled when the attribute is present, e.g. OpenLDAP ppolicy `pwdAccountLockedTime`. */
  | { readonly kind: 'present'; readonly attribute: string }

/** Attribute names the reader uses; a preset fills them all, a config may override any. */
export interface LdapAttributeNames {
  /** The stable user id (`DirectoryUser.id`, what Mattermost keeps as `AuthData`). */
  readonly userId: string
  readonly username: string
  readonly email: string
  readonly groupId: string
  readonly groupName: string
  /** DN-valued member attributes (`member`, `uniqueMember`). */
  readonly member: readonly string[]
  /** Username-valued member attribute (posixGroup `memberUid`); `''` to ignore. */
  readonly memberUid: string
  /**
   * DN-valued attributes naming a group's managers, users or groups (FreeIPA `memberManager`, AD
   * `managedBy`, OpenLDAP `owner`); `[]` to read none. Optional for configs built in code.
   */
  readonly manager?: readonly string[]
}

/** TLS settings. Certificates are verified unless `rejectUnauthorized: false` is given explicitly. */
export interface LdapTlsConfig {
  /** PEM of the CA (or CAs) that signed the server certificate. */
  readonly ca?: string
  /** Upgrade an `ldap://` connection with StartTLS before binding. */
  readonly startTls?: boolean
  /** Default true. Setting false accepts any certificate: only for a lab. */
  readonly rejectUnauthorized?: boolean
}

/** Settings for reading a directory; {@link parseLdapConfig} builds one from untrusted input. */
export interface LdapDirectoryConfig {
  /** The first server to try, `ldap://host:port` or `ldaps://host:port`. */
  readonly url: string
  /** More servers, tried in order after `url` when a server cannot be reached. */
  readonly urls?: readonly string[]
  readonly bindDn: string
  readonly password: string
  readonly preset: LdapPreset
  /** The suffix, e.g. `dc=ipa,dc=test`; containers are relative to it. */
  readonly baseDn: string
  readonly tls?: LdapTlsConfig
  /** Entries per page (default 500; AD's MaxPageSize is 1,000). */
  readonly pageSize?: number
  /** Per-operation timeout, i.e. per page (default 30,000 ms). */
  readonly timeoutMs?: number
  /** TCP/TLS connect timeout (default 5,000 ms). */
  readonly connectTimeoutMs?: number
  /** Users container relative to `baseDn` (`''` = the suffix itself). */
  readonly usersContainer?: string
  readonly groupsContainer?: string
  readonly userFilter?: string
  readonly groupFilter?: string
  readonly attributes?: Partial<LdapAttributeNames>
  readonly disabled?: DisabledRule
  /** Format of the user/group id attribute: text, or AD's binary objectGUID shown as a GUID string. */
  readonly idFormat?: 'text' | 'guid'
  /** Fetch `member;range=…` slices when the server truncates big groups (AD). */
  readonly rangeRetrieval?: boolean
  /**
   * Accept a read with no users, no groups, or groups that all have no members. Default false: such a
   * read is far more often a wrong filter, container or missing read right than the truth.
   */
  readonly allowEmpty?: boolean
  /**
   * Accept a bind password over plain `ldap://` without StartTLS to a host other than this machine,
   * and `tls.rejectUnauthorized: false`. Default false: such a read is refused (`insecureTransport`,
   * see `checkLdapTransport`); when true, the CLI prints one warning. Only for a lab.
   */
  readonly insecure?: boolean
  /**
   * Bounds on one read (a total deadline, entries, bytes, nesting depth, memberships after
   * flattening); each defaults to `defaultLdapReadLimits`. A read that hits one is refused, whole.
   */
  readonly limits?: Partial<LdapReadLimits>
}

/** The defaults a preset contributes. */
export interface LdapPresetDefaults {
  readonly usersContainer: string
  readonly groupsContainer: string
  readonly userFilter: string
  readonly groupFilter: string
  readonly attributes: LdapAttributeNames
  readonly disabled: DisabledRule
  readonly idFormat: 'text' | 'guid'
  readonly rangeRetrieval: boolean
}

/** Built-in defaults per preset (see the README table). */
export const ldapPresets: Readonly<Record<LdapPreset, LdapPresetDefaults>> = {
  freeipa: {
    usersContainer: 'cn=users,cn=accounts',
    groupsContainer: 'cn=groups,cn=accounts',
    userFilter: '(objectClass=posixAccount)',
    // ipaUserGroup keeps user-private groups (posixGroup + mepManagedEntry only) out.
    groupFilter: '(objectClass=ipaUserGroup)',
    attributes: {
      userId: 'ipaUniqueID',
      username: 'uid',
      email: 'mail',
      groupId: 'ipaUniqueID',
      groupName: 'cn',
      member: ['member'],
      memberUid: '',
      manager: ['memberManager'],
    },
    disabled: { kind: 'attributeEquals', attribute: 'nsAccountLock', value: 'TRUE' },
    idFormat: 'text',
    rangeRetrieval: false,
  },
  openldap: {
    usersContainer: 'ou=people',
    groupsContainer: 'ou=groups',
    userFilter: '(|(objectClass=inetOrgPerson)(objectClass=posixAccount))',
    groupFilter:
      '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))',
    attributes: {
      userId: 'entryUUID',
      username: 'uid',
      email: 'mail',
      groupId: 'entryUUID',
      groupName: 'cn',
      member: ['member', 'uniqueMember'],
      memberUid: 'memberUid',
      manager: ['owner'],
    },
    disabled: { kind: 'none' },
    idFormat: 'text',
    rangeRetrieval: false,
  },
  activeDirectory: {
    usersContainer: '',
    groupsContainer: '',
    // objectCategory=person compares as a DN on the wire; the class pair works on servers and in LDIF alike.
    userFilter: '(&(objectClass=user)(!(objectClass=computer)))',
    groupFilter: '(objectClass=group)',
    attributes: {
      userId: 'objectGUID',
      username: 'sAMAccountName',
      email: 'mail',
      groupId: 'objectGUID',
      groupName: 'cn',
      member: ['member'],
      memberUid: '',
      manager: ['managedBy'],
    },
    disabled: { kind: 'bitSet', attribute: 'userAccountControl', bit: 2 },
    idFormat: 'guid',
    rangeRetrieval: true,
  },
}

/** A config value that is missing or wrong; `field` is a dotted path into the input. */
export interface LdapConfigError {
  readonly kind: 'invalidConfig'
  readonly message: string
  readonly issues: readonly { readonly field: string; readonly message: string }[]
}

/** A config with every default applied and every DN and filter checked; what the readers use. */
export interface ResolvedLdapConfig {
  readonly urls: readonly string[]
  readonly bindDn: string
  readonly password: string
  readonly preset: LdapPreset
  readonly baseDn: string
  readonly usersDn: string
  readonly groupsDn: string
  readonly userFilter: string
  readonly groupFilter: string
  readonly attributes: LdapAttributeNames
  readonly disabled: DisabledRule
  readonly idFormat: 'text' | 'guid'
  readonly rangeRetrieval: boolean
  readonly allowEmpty: boolean
  readonly insecure: boolean
  readonly tls: {
    readonly ca?: string
    readonly startTls: boolean
    readonly rejectUnauthorized: boolean
  }
  readonly pageSize: number
  readonly timeoutMs: number
  readonly connectTimeoutMs: number
  readonly limits: LdapReadLimits
}

type Issue = { field: string; message: string }

const presetNames: readonly LdapPreset[] = ['freeipa', 'openldap', 'activeDirectory']
const knownKeys = new Set([
  'url',
  'urls',
  'bindDn',
  'password',
  'passwordFile',
  'preset',
  'baseDn',
  'tls',
  'pageSize',
  'timeoutMs',
  'connectTimeoutMs',
  'usersContainer',
  'groupsContainer',
  'userFilter',
  'groupFilter',
  'attributes',
  'disabled',
  'idFormat',
  'rangeRetrieval',
  'allowEmpty',
  'insecure',
  'limits',
])
const attributeKeys = new Set([
  'userId',
  'username',
  'email',
  'groupId',
  'groupName',
  'member',
  'memberUid',
  'manager',
])
const attributeName = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)*)$/

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Parses untrusted configuration (JSON, env-derived objects) into an {@link LdapDirectoryConfig}, with
 * one message per wrong field. `passwordFile` is read here (trailing newline dropped); the password
 * never appears in an error.
 */
export function parseLdapConfig(input: unknown): Result<LdapDirectoryConfig, LdapConfigError> {
  const issues: Issue[] = []
  if (!isRecord(input)) return err(configError([{ field: '', message: 'must be an object' }]))
  for (const key of Object.keys(input))
    if (!knownKeys.has(key)) issues.push({ field: key, message: 'unknown option' })

  const str = (field: string, v: unknown, required: boolean): string | undefined => {
    if (v === undefined) {
      if (required) issues.push({ field, message: 'is required' })
      return undefined
    }
    if (typeof v !== 'string') {
      issues.push({ field, message: 'must be a string' })
      return undefined
    }
    return v
  }
  const int = (field: string, v: unknown, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      issues.push({ field, message: `must be an integer from ${min} to ${max}` })
      return undefined
    }
    return v
  }

  let urls: string[] = []
  const url = str('url', input['url'], false)
  if (url !== undefined) urls.push(url)
  if (input['urls'] !== undefined) {
    const list = input['urls']
    if (!Array.isArray(list) || list.length === 0 || list.some((u) => typeof u !== 'string'))
      issues.push({ field: 'urls', message: 'must be a non-empty array of strings' })
    else urls = [...urls, ...(list as string[])]
  }
  if (url === undefined && input['urls'] === undefined)
    issues.push({ field: 'url', message: 'url or urls is required' })

  const bindDn = str('bindDn', input['bindDn'], true)
  let password = str('password', input['password'], false)
  const passwordFile = str('passwordFile', input['passwordFile'], false)
  if (password !== undefined && passwordFile !== undefined)
    issues.push({
      field: 'passwordFile',
      message: 'give either password or passwordFile, not both',
    })
  else if (passwordFile !== undefined) {
    try {
      password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '')
    } catch (e) {
      const code = isRecord(e) && typeof e['code'] === 'string' ? e['code'] : 'unreadable'
      issues.push({ field: 'passwordFile', message: `cannot be read (${code})` })
    }
  } else if (password === undefined)
    issues.push({ field: 'password', message: 'password or passwordFile is required' })

  const presetRaw = input['preset']
  let preset: LdapPreset | undefined
  if (presetRaw === undefined) issues.push({ field: 'preset', message: 'is required' })
  else if (typeof presetRaw !== 'string' || !presetNames.includes(presetRaw as LdapPreset))
    issues.push({ field: 'preset', message: `must be one of ${presetNames.join(', ')}` })
  else preset = presetRaw as LdapPreset
  const baseDn = str('baseDn', input['baseDn'], true)

  let tls: LdapTlsConfig | undefined
  if (input['tls'] !== undefined) {
    const t = input['tls']
    if (!isRecord(t)) issues.push({ field: 'tls', message: 'must be an object' })
    else {
      for (const key of Object.keys(t))
        if (!['ca', 'caFile', 'startTls', 'rejectUnauthorized'].includes(key))
          issues.push({ field: `tls.${key}`, message: 'unknown option' })
      let ca = str('tls.ca', t['ca'], false)
      const caFile = str('tls.caFile', t['caFile'], false)
      if (caFile !== undefined) {
        try {
          ca = readFileSync(caFile, 'utf8')
        } catch {
          issues.push({ field: 'tls.caFile', message: 'cannot be read' })
        }
      }
      for (const key of ['startTls', 'rejectUnauthorized'])
        if (t[key] !== undefined && typeof t[key] !== 'boolean')
          issues.push({ field: `tls.${key}`, message: 'must be a boolean' })
      tls = {
        ...(ca !== undefined ? { ca } : {}),
        ...(typeof t['startTls'] === 'boolean' ? { startTls: t['startTls'] } : {}),
        ...(typeof t['rejectUnauthorized'] === 'boolean'
          ? { rejectUnauthorized: t['rejectUnauthorized'] }
          : {}),
      }
    }
  }

  const pageSize = int('pageSize', input['pageSize'], 1, 100_000)
  const timeoutMs = int('timeoutMs', input['timeoutMs'], 1, 3_600_000)
  const connectTimeoutMs = int('connectTimeoutMs', input['connectTimeoutMs'], 1, 600_000)
  const usersContainer = str('usersContainer', input['usersContainer'], false)
  const groupsContainer = str('groupsContainer', input['groupsContainer'], false)
  const userFilter = str('userFilter', input['userFilter'], false)
  const groupFilter = str('groupFilter', input['groupFilter'], false)

  let attributes: Partial<LdapAttributeNames> | undefined
  if (input['attributes'] !== undefined) {
    const a = input['attributes']
    if (!isRecord(a)) issues.push({ field: 'attributes', message: 'must be an object' })
    else {
      const out: Record<string, string | string[]> = {}
      for (const [key, v] of Object.entries(a)) {
        if (!attributeKeys.has(key))
          issues.push({ field: `attributes.${key}`, message: 'unknown attribute role' })
        else if (key === 'member' || key === 'manager') {
          if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
            issues.push({
              field: `attributes.${key}`,
              message: 'must be an array of attribute names',
            })
          else out[key] = v as string[]
        } else if (typeof v !== 'string')
          issues.push({ field: `attributes.${key}`, message: 'must be a string' })
        else out[key] = v
      }
      attributes = out
    }
  }

  let disabled: DisabledRule | undefined
  if (input['disabled'] !== undefined) {
    const d = input['disabled']
    const kind = isRecord(d) ? d['kind'] : undefined
    if (!isRecord(d)) issues.push({ field: 'disabled', message: 'must be an object with a kind' })
    else if (kind === 'none') disabled = { kind }
    else if (
      kind === 'attributeEquals' &&
      typeof d['attribute'] === 'string' &&
      typeof d['value'] === 'string'
    )
      disabled = { kind, attribute: d['attribute'], value: d['value'] }
    else if (
      kind === 'bitSet' &&
      typeof d['attribute'] === 'string' &&
      typeof d['bit'] === 'number'
    )
      disabled = { kind, attribute: d['attribute'], bit: d['bit'] }
    else if (kind === 'present' && typeof d['attribute'] === 'string')
      disabled = { kind, attribute: d['attribute'] }
    else
      issues.push({
        field: 'disabled',
        message:
          'must be {kind:"none"}, {kind:"attributeEquals",attribute,value}, {kind:"bitSet",attribute,bit} or {kind:"present",attribute}',
      })
  }
  const idFormat = input['idFormat']
  if (idFormat !== undefined && idFormat !== 'text' && idFormat !== 'guid')
    issues.push({ field: 'idFormat', message: 'must be "text" or "guid"' })
  const rangeRetrieval = input['rangeRetrieval']
  if (rangeRetrieval !== undefined && typeof rangeRetrieval !== 'boolean')
    issues.push({ field: 'rangeRetrieval', message: 'must be a boolean' })
  const allowEmpty = input['allowEmpty']
  if (allowEmpty !== undefined && typeof allowEmpty !== 'boolean')
    issues.push({ field: 'allowEmpty', message: 'must be a boolean' })
  const insecure = input['insecure']
  if (insecure !== undefined && typeof insecure !== 'boolean')
    issues.push({ field: 'insecure', message: 'must be a boolean' })
  let limits: Partial<LdapReadLimits> | undefined
  if (input['limits'] !== undefined) {
    const l = input['limits']
    if (!isRecord(l)) issues.push({ field: 'limits', message: 'must be an object' })
    else {
      const out: Partial<Record<keyof LdapReadLimits, number>> = {}
      for (const [key, v] of Object.entries(l)) {
        if (!Object.hasOwn(defaultLdapReadLimits, key))
          issues.push({ field: `limits.${key}`, message: 'unknown limit' })
        else {
          const value = int(`limits.${key}`, v, 1, Number.MAX_SAFE_INTEGER)
          if (value !== undefined) out[key as keyof LdapReadLimits] = value
        }
      }
      limits = out
    }
  }

  if (
    issues.length > 0 ||
    preset === undefined ||
    bindDn === undefined ||
    baseDn === undefined ||
    password === undefined ||
    urls.length === 0
  )
    return err(configError(issues))
  const [first, ...rest] = urls
  const config: LdapDirectoryConfig = {
    url: first ?? '',
    ...(rest.length > 0 ? { urls: rest } : {}),
    bindDn,
    password,
    preset,
    baseDn,
    ...(tls !== undefined ? { tls } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(usersContainer !== undefined ? { usersContainer } : {}),
    ...(groupsContainer !== undefined ? { groupsContainer } : {}),
    ...(userFilter !== undefined ? { userFilter } : {}),
    ...(groupFilter !== undefined ? { groupFilter } : {}),
    ...(attributes !== undefined ? { attributes } : {}),
    ...(disabled !== undefined ? { disabled } : {}),
    ...(idFormat === 'text' || idFormat === 'guid' ? { idFormat } : {}),
    ...(typeof rangeRetrieval === 'boolean' ? { rangeRetrieval } : {}),
    ...(typeof allowEmpty === 'boolean' ? { allowEmpty } : {}),
    ...(typeof insecure === 'boolean' ? { insecure } : {}),
    ...(limits !== undefined ? { limits } : {}),
  }
  // Semantic checks (URLs, DNs, filters) are shared with configs built in code.
  return resolveLdapConfig(config).map(() => config)
}

function configError(issues: readonly Issue[]): LdapConfigError {
  const message =
    issues.length === 0
      ? 'invalid LDAP config'
      : `invalid LDAP config: ${issues.map((i) => (i.field === '' ? i.message : `${i.field} ${i.message}`)).join('; ')}`
  return { kind: 'invalidConfig', message, issues }
}

function joinDn(container: string, baseDn: string): string {
  return container.trim() === '' ? baseDn : `${container},${baseDn}`
}

/** Applies the preset defaults and checks URLs, DNs, filters and attribute names. */
export function resolveLdapConfig(
  config: LdapDirectoryConfig,
): Result<ResolvedLdapConfig, LdapConfigError> {
  const issues: Issue[] = []
  const defaults = ldapPresets[config.preset]
  const urls = [...new Set([config.url, ...(config.urls ?? [])])]
  for (const [index, u] of urls.entries()) {
    const field = index === 0 ? 'url' : 'urls'
    let parsed: URL | undefined
    try {
      parsed = new URL(u)
    } catch {
      // The value is not echoed: a mistyped URL may hold a password beside it.
      issues.push({ field, message: `is not a URL (server ${index + 1})` })
    }
    if (parsed !== undefined) {
      if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:')
        issues.push({
          field,
          message: `must start with ldap:// or ldaps:// (server ${index + 1} has ${parsed.protocol}//)`,
        })
      else if (parsed.username !== '' || parsed.password !== '')
        issues.push({ field, message: 'must not carry credentials' })
      if (parsed.protocol === 'ldaps:' && config.tls?.startTls === true)
        issues.push({
          field: 'tls.startTls',
          message: 'StartTLS needs an ldap:// URL (ldaps:// is already TLS)',
        })
    }
  }
  const dnField = (field: string, dn: string): string => {
    const r = dnKey(dn)
    if (r.isErr()) issues.push({ field, message: `is not a valid DN (${r.error.message})` })
    return dn
  }
  dnField('bindDn', config.bindDn)
  if (config.bindDn.trim() === '')
    issues.push({
      field: 'bindDn',
      message: 'must not be empty (anonymous binds cannot read members)',
    })
  // Servers take a DN with an empty password as an unauthenticated (anonymous) bind: a read with
  // fewer rights that looks like success.
  if (config.password === '')
    issues.push({
      field: 'password',
      message: 'must not be empty (an empty password is an anonymous bind)',
    })
  if (config.baseDn.trim() === '') issues.push({ field: 'baseDn', message: 'must not be empty' })
  dnField('baseDn', config.baseDn)
  const usersDn = dnField(
    'usersContainer',
    joinDn(config.usersContainer ?? defaults.usersContainer, config.baseDn),
  )
  const groupsDn = dnField(
    'groupsContainer',
    joinDn(config.groupsContainer ?? defaults.groupsContainer, config.baseDn),
  )
  const filter = (field: string, f: string): string => {
    try {
      FilterParser.parseString(f)
    } catch (e) {
      issues.push({
        field,
        message: `is not a valid LDAP filter (${e instanceof Error ? e.message : 'parse error'})`,
      })
    }
    return f
  }
  const userFilter = filter('userFilter', config.userFilter ?? defaults.userFilter)
  const groupFilter = filter('groupFilter', config.groupFilter ?? defaults.groupFilter)
  const attributes: LdapAttributeNames = { ...defaults.attributes, ...config.attributes }
  for (const [role, name] of Object.entries(attributes) as [
    string,
    string | readonly string[] | undefined,
  ][]) {
    if (name === undefined) continue
    const names = typeof name === 'string' ? [name] : name
    for (const n of names)
      if (!(role === 'memberUid' && n === '') && !attributeName.test(n))
        issues.push({ field: `attributes.${role}`, message: `"${n}" is not an attribute name` })
  }
  const disabled = config.disabled ?? defaults.disabled
  if (disabled.kind === 'bitSet' && (!Number.isInteger(disabled.bit) || disabled.bit <= 0))
    issues.push({ field: 'disabled.bit', message: 'must be a positive integer mask' })
  const pageSize = config.pageSize ?? 500
  const timeoutMs = config.timeoutMs ?? 30_000
  const connectTimeoutMs = config.connectTimeoutMs ?? 5_000
  for (const [field, v] of [
    ['pageSize', pageSize],
    ['timeoutMs', timeoutMs],
    ['connectTimeoutMs', connectTimeoutMs],
  ] as const)
    if (!Number.isInteger(v) || v < 1) issues.push({ field, message: 'must be a positive integer' })
  const limits: LdapReadLimits = { ...defaultLdapReadLimits, ...config.limits }
  for (const [key, v] of Object.entries(limits))
    if (!Number.isSafeInteger(v) || v < 1)
      issues.push({ field: `limits.${key}`, message: 'must be a positive integer' })
  if (config.tls?.rejectUnauthorized === false && config.tls.ca !== undefined)
    issues.push({
      field: 'tls.rejectUnauthorized',
      message: 'false makes tls.ca pointless; drop one of them',
    })
  if (issues.length > 0) return err(configError(issues))
  return ok({
    urls,
    bindDn: config.bindDn,
    password: config.password,
    preset: config.preset,
    baseDn: config.baseDn,
    usersDn,
    groupsDn,
    userFilter,
    groupFilter,
    attributes,
    disabled,
    idFormat: config.idFormat ?? defaults.idFormat,
    rangeRetrieval: config.rangeRetrieval ?? defaults.rangeRetrieval,
    allowEmpty: config.allowEmpty ?? false,
    insecure: config.insecure ?? false,
    tls: {
      ...(config.tls?.ca !== undefined ? { ca: config.tls.ca } : {}),
      startTls: config.tls?.startTls ?? false,
      rejectUnauthorized: config.tls?.rejectUnauthorized ?? true,
    },
    pageSize,
    timeoutMs,
    connectTimeoutMs,
    limits,
  })
}
