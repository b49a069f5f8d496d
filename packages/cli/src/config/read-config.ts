import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { resolvePolicy, type LinkRule, type MatchBy, type SyncPolicyInput } from '@grouproles/core'
import { parseLdapConfig, type LdapDirectoryConfig } from '@grouproles/adapter-ldap'
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser'
import { err, ok, type Result } from 'neverthrow'
import type { z } from 'zod'
import { badInput, messageOf, type CliError } from '../cli-error.js'
import { configSchema } from './config-schema.js'
import { safetyFromConfig, type SafetyConfig } from './safety-config.js'
import { defaultHttpLimits, type HttpLimits } from '../service/http-limits.js'

/** Where REST runs keep their history (remembered memberships). */
export type StoreConfig =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'dataDir'; readonly path: string }

/** A checked config file, paths resolved from its folder. */
export interface GroupRolesConfig {
  /** The file's absolute path. */
  readonly file: string
  readonly ldap: LdapDirectoryConfig
  readonly matchBy: MatchBy
  readonly rules: readonly LinkRule[]
  readonly manage: readonly string[]
  readonly policy: SyncPolicyInput
  readonly gates: { readonly minGroups?: number; readonly maxCommands?: number }
  readonly mattermost: {
    readonly teams?: readonly string[]
    readonly defaultChannels: readonly string[]
    /** Bounds on reading Mattermost (adapter-mattermost's client options and loader `limits`). */
    readonly limits?: {
      readonly deadlineMs?: number
      readonly maxRequests?: number
      readonly maxPagesPerListing?: number
      readonly maxBodyBytes?: number
    }
    /** `http://` to a host other than this machine is allowed (with a warning). */
    readonly insecure?: boolean
  }
  readonly store: StoreConfig
  /** The safety rules across runs (removal grace, health gate, last-admin guard), defaults filled in. */
  readonly safety: SafetyConfig
  /** `serve`'s HTTP side, defaults filled in. */
  readonly serve: ServeConfig
  /** Where applied runs post their summary (`notify`); absent: no post. */
  readonly notify?: { readonly team: string; readonly channel: string }
}

/** The service's HTTP limits (both ports) and the optional `/role` port. */
export interface ServeConfig {
  readonly http: HttpLimits
  /** Absent: `/role` is not served. */
  readonly role?: { readonly port: number; readonly host: string; readonly tokenEnv: string }
}

/** The channels Mattermost joins a new team member to unless the config says otherwise. */
export const defaultChannelNames: readonly string[] = ['town-square', 'off-topic']

/**
 * Reads a config file (JSON with comments). `path` resolves from `cwd`; paths inside the file
 * (`ldap.passwordFile`, `ldap.tls.caFile`, `store.dataDir`) from the file's folder. Every error is
 * one line naming the file and the path (`rules[1].pattern`) or, for syntax, file:line:column; the
 * text itself is never echoed.
 */
export function readConfig(path: string, cwd: string): Result<GroupRolesConfig, CliError> {
  const file = resolve(cwd, path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    return err(badInput('unreadableConfig', `cannot read the config file ${path}: ${messageOf(e)}`))
  }
  return parseConfigText(text, file, path)
}

/** Parses config text; `name` is how errors refer to the file. */
export function parseConfigText(
  text: string,
  file: string,
  name: string = file,
): Result<GroupRolesConfig, CliError> {
  const errors: ParseError[] = []
  const raw: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false })
  const first = errors[0]
  if (first !== undefined) {
    const { line, column } = lineColumn(text, first.offset)
    return err(
      badInput(
        'configSyntax',
        `${name}:${line}:${column}: not valid JSON: ${describeParseError(first)}`,
      ),
    )
  }
  if (raw === undefined) return err(badInput('configSyntax', `${name}: the file is empty`))
  const decoded = configSchema.safeParse(raw)
  if (!decoded.success)
    return err(badInput('invalidConfig', `${name}: ${issueText(decoded.error)}`))
  const c = decoded.data
  const dir = dirname(file)
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p))
  const ldapRaw = {
    ...c.ldap,
    ...(c.ldap.passwordFile !== undefined ? { passwordFile: at(c.ldap.passwordFile) } : {}),
    ...(c.ldap.tls?.caFile !== undefined
      ? { tls: { ...c.ldap.tls, caFile: at(c.ldap.tls.caFile) } }
      : {}),
  }
  const ldap = parseLdapConfig(ldapRaw)
  if (ldap.isErr()) {
    const issue = ldap.error.issues[0]
    const where = issue === undefined || issue.field === '' ? 'ldap' : `ldap.${issue.field}`
    return err(
      badInput(
        'invalidConfig',
        `${name}: ${where}: ${issue?.message ?? ldap.error.message.replace(/^invalid LDAP config: /, '')}`,
      ),
    )
  }
  const limits = c.policy?.limits
  const policy: SyncPolicyInput = {
    ...(c.policy?.sysadmins !== undefined ? { sysadmins: c.policy.sysadmins } : {}),
    ...(c.policy?.roleSync !== undefined ? { roleSync: c.policy.roleSync } : {}),
    ...(c.policy?.reAddRemovedMembers !== undefined
      ? { reAddRemovedMembers: c.policy.reAddRemovedMembers }
      : {}),
    ...(c.policy?.groupConstrainedRemovals !== undefined
      ? { groupConstrainedRemovals: c.policy.groupConstrainedRemovals }
      : {}),
    ...(limits !== undefined
      ? {
          limits: {
            ...(limits.maxRemovals !== undefined
              ? { maxRemovals: finite(limits.maxRemovals) }
              : {}),
            ...(limits.maxRemovalFraction !== undefined
              ? { maxRemovalFraction: limits.maxRemovalFraction }
              : {}),
            ...(limits.fractionMinRemovals !== undefined
              ? { fractionMinRemovals: limits.fractionMinRemovals }
              : {}),
          },
        }
      : {}),
  }
  try {
    // The core checks values and ranges once more; a value it refuses is a config error here.
    resolvePolicy(policy)
  } catch (e) {
    return err(badInput('invalidConfig', `${name}: policy: ${messageOf(e)}`))
  }
  const rules = c.rules.map((r): LinkRule =>
    r.kind === 'pattern'
      ? {
          kind: 'pattern',
          pattern: r.pattern,
          ...(r.adminSuffix !== undefined ? { adminSuffix: r.adminSuffix } : {}),
          ...(r.autoAdd !== undefined ? { autoAdd: r.autoAdd } : {}),
          ...(r.manage !== undefined ? { manage: r.manage } : {}),
          ...(r.managers !== undefined ? { managers: r.managers } : {}),
        }
      : {
          kind: 'explicit',
          group: r.group,
          team: r.team,
          ...(r.channel !== undefined ? { channel: r.channel } : {}),
          ...(r.autoAdd !== undefined ? { autoAdd: r.autoAdd } : {}),
          ...(r.schemeAdmin !== undefined ? { schemeAdmin: r.schemeAdmin } : {}),
          ...(r.manage !== undefined ? { manage: r.manage } : {}),
          ...(r.managers !== undefined ? { managers: r.managers } : {}),
        },
  )
  return ok({
    file,
    ldap: ldap.value,
    matchBy: c.matchBy,
    rules,
    manage: c.manage ?? [],
    policy,
    gates: {
      ...(c.gates?.minGroups !== undefined ? { minGroups: c.gates.minGroups } : {}),
      ...(c.gates?.maxCommands !== undefined ? { maxCommands: finite(c.gates.maxCommands) } : {}),
    },
    mattermost: {
      ...(c.mattermost?.teams !== undefined ? { teams: c.mattermost.teams } : {}),
      defaultChannels: c.mattermost?.defaultChannels ?? defaultChannelNames,
      // Only the limits given: the decoder types a missing key as undefined.
      ...(c.mattermost?.limits !== undefined
        ? {
            limits: Object.fromEntries(
              Object.entries(c.mattermost.limits).filter(([, v]) => v !== undefined),
            ),
          }
        : {}),
      ...(c.mattermost?.insecure !== undefined ? { insecure: c.mattermost.insecure } : {}),
    },
    store:
      c.store?.url !== undefined
        ? { kind: 'url', url: c.store.url }
        : { kind: 'dataDir', path: at(c.store?.dataDir ?? '.grouproles/store') },
    safety: safetyFromConfig(c),
    serve: {
      http: {
        maxConnections: c.serve?.maxConnections ?? defaultHttpLimits.maxConnections,
        requestTimeoutMs: c.serve?.requestTimeoutMs ?? defaultHttpLimits.requestTimeoutMs,
        headersTimeoutMs: c.serve?.headersTimeoutMs ?? defaultHttpLimits.headersTimeoutMs,
        keepAliveTimeoutMs: c.serve?.keepAliveTimeoutMs ?? defaultHttpLimits.keepAliveTimeoutMs,
      },
      ...(c.serve?.role !== undefined
        ? {
            role: {
              port: c.serve.role.port,
              host: c.serve.role.host ?? '127.0.0.1',
              tokenEnv: c.serve.role.tokenEnv ?? 'GROUPROLES_ROLE_TOKEN',
            },
          }
        : {}),
    },
    ...(c.notify !== undefined
      ? { notify: { team: c.notify.team, channel: c.notify.channel } }
      : {}),
  })
}

const finite = (v: number | 'Infinity'): number => (v === 'Infinity' ? Number.POSITIVE_INFINITY : v)

/** A path as written in the file: `rules[1].pattern`. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path)
    out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`
  return out
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0]
  if (issue === undefined) return 'invalid config'
  const base = pathText(issue.path)
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    return `${base === '' ? key : `${base}.${key}`}: unknown key`
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue)
    return `${base === '' ? '' : `${base}.`}${String(issue.discriminator)}: unknown or missing kind`
  return `${base === '' ? '(top level)' : base}: ${issue.message}`
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++
      start = i + 1
    }
  return { line, column: offset - start + 1 }
}

function describeParseError(e: ParseError): string {
  // printParseErrorCode gives names like "CommaExpected": make them words.
  return printParseErrorCode(e.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
}
