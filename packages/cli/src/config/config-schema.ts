import { linkPatternProblem } from '@grouproles/core'
import { z } from 'zod'
import { safetyFields } from './safety-config.js'
import { defaultHttpLimits } from '../service/http-limits.js'

/*
 * The config file's decoder. The same schema checks a file (`readConfig`) and is turned into the
 * published JSON Schema (`schema/config.schema.json`, `pnpm --filter @grouproles/cli schemas`), so
 * what editors complete is exactly what the CLI accepts. Values are never echoed in messages: a
 * config may hold a password.
 */

const nonEmpty = z.string().trim().min(1, 'must be a non-empty string')
const infinity = z.literal('Infinity').meta({ description: 'no limit (JSON has no Infinity)' })
const count = z.number().int().min(0)

const ldapAttributes = z
  .strictObject({
    userId: nonEmpty.optional(),
    username: nonEmpty.optional(),
    email: nonEmpty.optional(),
    groupId: nonEmpty.optional(),
    groupName: nonEmpty.optional(),
    member: z.array(nonEmpty).min(1).optional(),
    memberUid: z.string().optional(),
    manager: z.array(nonEmpty).optional().meta({
      description: 'group manager attributes (memberManager, managedBy, owner); [] = none',
    }),
  })
  .meta({ description: 'attribute names; the preset fills in the rest' })

const disabledRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('attributeEquals'), attribute: nonEmpty, value: z.string() }),
  z.strictObject({ kind: z.literal('bitSet'), attribute: nonEmpty, bit: count }),
  z.strictObject({ kind: z.literal('present'), attribute: nonEmpty }),
])

const readLimit = z.number().int().min(1).optional()

/** The `ldap` part: every option of adapter-ldap's `LdapDirectoryConfig` (its README has the table). */
export const ldapSchema = z
  .strictObject({
    url: nonEmpty.optional().meta({ description: 'ldap:// or ldaps:// URL of the first server' }),
    urls: z.array(nonEmpty).min(1).optional().meta({ description: 'servers tried in order' }),
    bindDn: nonEmpty.meta({ description: 'a system account, never a person' }),
    password: z
      .string()
      .min(1, 'must not be empty (an empty password is an anonymous bind)')
      .optional()
      .meta({ description: 'better: passwordFile or LDAP_PASSWORD' }),
    passwordFile: nonEmpty
      .optional()
      .meta({ description: 'a file holding the password (relative to this config file)' }),
    preset: z.enum(['freeipa', 'openldap', 'activeDirectory']),
    baseDn: nonEmpty.meta({ description: 'the suffix, e.g. dc=example,dc=org' }),
    tls: z
      .strictObject({
        ca: z.string().optional().meta({ description: 'PEM of the CA' }),
        caFile: nonEmpty
          .optional()
          .meta({ description: 'a PEM file (relative to this config file)' }),
        startTls: z.boolean().optional(),
        rejectUnauthorized: z.boolean().optional().meta({ description: 'default true' }),
      })
      .optional(),
    pageSize: z.number().int().min(1).optional(),
    timeoutMs: z.number().int().min(1).optional(),
    connectTimeoutMs: z.number().int().min(1).optional(),
    usersContainer: z.string().optional(),
    groupsContainer: z.string().optional(),
    userFilter: nonEmpty.optional(),
    groupFilter: nonEmpty.optional(),
    attributes: ldapAttributes.optional(),
    disabled: disabledRule.optional(),
    idFormat: z.enum(['text', 'guid']).optional(),
    rangeRetrieval: z.boolean().optional(),
    allowEmpty: z.boolean().optional(),
    limits: z
      .strictObject({
        deadlineMs: readLimit.meta({ description: 'the whole read, ms (default 600000)' }),
        maxEntries: readLimit.meta({ description: 'entries read (default 1000000)' }),
        maxBytes: readLimit.meta({
          description: 'bytes read, or the LDIF export size (default 268435456)',
        }),
        maxNestingDepth: readLimit.meta({ description: 'levels of nested groups (default 100)' }),
        maxMemberships: readLimit.meta({
          description: 'memberships after flattening nesting (default 10000000)',
        }),
      })
      .optional()
      .meta({ description: 'bounds on one read; a read past one is refused whole (readLimit)' }),
    insecure: z.boolean().optional().meta({
      description:
        'allow a password over plain ldap:// to another host and tls.rejectUnauthorized: false (a lab only; default false: refused)',
    }),
  })
  .meta({ description: 'the directory (the LDIF export given with --ldif is read with it too)' })

const pattern = nonEmpty.superRefine((value, ctx) => {
  const problem = linkPatternProblem(value)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})

const managersMode = z.enum(['ignore', 'admin', 'adminIfMember']).optional().meta({
  description:
    "what a linked group's managers get: nothing (ignore, default), admin, or admin when also a member",
})

const manageFlag = z
  .boolean()
  .optional()
  .meta({ description: 'every team and channel this rule links is managed (removals, role sync)' })

/** A link rule: core's `LinkRule`. */
export const ruleSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({
      kind: z.literal('pattern'),
      pattern: pattern.meta({ description: 'e.g. mm_{team}_{channel}; {team} is required' }),
      adminSuffix: nonEmpty.optional().meta({ description: 'e.g. _admins: groups making admins' }),
      autoAdd: z.boolean().optional().meta({ description: 'default true' }),
      manage: manageFlag,
      managers: managersMode,
    })
    .meta({ description: 'groups named by a convention' }),
  z
    .strictObject({
      kind: z.literal('explicit'),
      group: nonEmpty,
      team: nonEmpty,
      channel: nonEmpty.optional(),
      autoAdd: z.boolean().optional().meta({ description: 'default true' }),
      schemeAdmin: z.boolean().optional().meta({ description: 'default false' }),
      manage: manageFlag,
      managers: managersMode,
    })
    .meta({ description: 'one group to one team or channel' }),
])

const syncableName = z
  .string()
  .regex(/^[^/\s]+(\/[^/\s]+)?$/, 'must be "team" or "team/channel"')
  .meta({ description: 'a team name, or team/channel' })

const ms = z.number().int().min(1)

/** `grouproles serve`'s HTTP side (the sync loop's settings are flags and variables). */
export const serveSchema = z
  .strictObject({
    maxConnections: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'open connections at once per port (default 64)' }),
    requestTimeoutMs: ms.optional().meta({ description: 'a whole request (default 10000)' }),
    headersTimeoutMs: ms
      .optional()
      .meta({ description: "a request's headers; at most requestTimeoutMs (default 5000)" }),
    keepAliveTimeoutMs: ms
      .optional()
      .meta({ description: 'an idle kept-alive connection (default 5000)' }),
    role: z
      .strictObject({
        port: z.number().int().min(0).max(65535).meta({ description: '0 picks a free port' }),
        host: nonEmpty.optional().meta({ description: 'default 127.0.0.1' }),
        tokenEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
          .optional()
          .meta({
            description:
              'the variable holding the bearer token (16+ characters) /role requires; default GROUPROLES_ROLE_TOKEN',
          }),
      })
      .optional()
      .meta({ description: 'serve the add hook /role on its own port (default: not served)' }),
  })
  .refine(
    (s) =>
      (s.headersTimeoutMs ?? defaultHttpLimits.headersTimeoutMs) <=
      (s.requestTimeoutMs ?? defaultHttpLimits.requestTimeoutMs),
    { message: 'must not exceed requestTimeoutMs (default 10000)', path: ['headersTimeoutMs'] },
  )
  .meta({ description: 'the service: /metrics, /healthz and the optional /role' })

// A team or channel name as in its URL: what `GET /teams/name/…/channels/name/…` routes.
const urlName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a URL name (letters, digits, - and _)')

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'for editors: the JSON Schema' }),
    ldap: ldapSchema,
    matchBy: z
      .enum(['username', 'email', 'authData'])
      .meta({ description: 'how directory users find their Mattermost account' }),
    rules: z.array(ruleSchema).meta({ description: 'group → team/channel links' }),
    manage: z
      .array(syncableName)
      .optional()
      .meta({ description: 'teams and channels planned like group-synced ones (removals, roles)' }),
    policy: z
      .strictObject({
        sysadmins: z.enum(['bypass', 'asUsers']).optional(),
        roleSync: z.enum(['groupConstrained', 'allLinked']).optional(),
        reAddRemovedMembers: z.boolean().optional(),
        groupConstrainedRemovals: z.enum(['apply', 'leaveToMattermost']).optional(),
        limits: z
          .strictObject({
            maxRemovals: z.union([z.number().min(0), infinity]).optional(),
            maxRemovalFraction: z.number().min(0).max(1).optional(),
            fractionMinRemovals: count.optional(),
          })
          .optional(),
      })
      .optional(),
    gates: z
      .strictObject({
        minGroups: count.optional(),
        maxCommands: z.union([count, infinity]).optional(),
      })
      .optional()
      .meta({ description: 'checked before an unattended run (serve) applies' }),
    mattermost: z
      .strictObject({
        teams: z
          .array(nonEmpty)
          .optional()
          .meta({ description: 'sync only these teams (names); default: every team' }),
        defaultChannels: z.array(nonEmpty).optional().meta({
          description: 'channels a new team member joins (default town-square, off-topic)',
        }),
        limits: z
          .strictObject({
            deadlineMs: readLimit.meta({ description: 'one whole read, ms (default 1800000)' }),
            maxRequests: readLimit.meta({ description: 'requests of one read (default 500000)' }),
            maxPagesPerListing: readLimit.meta({
              description: 'pages of one listing (default 5000)',
            }),
            maxBodyBytes: readLimit.meta({ description: 'one response body (default 33554432)' }),
          })
          .optional()
          .meta({
            description: 'bounds on reading Mattermost; a read past one is refused (readLimit)',
          }),
        insecure: z.boolean().optional().meta({
          description:
            'allow MATTERMOST_URL http:// to a host other than this machine (token in clear; a lab only)',
        }),
      })
      .optional(),
    ...safetyFields,
    store: z
      .strictObject({
        url: nonEmpty
          .optional()
          .meta({ description: 'a Postgres URL for the REST history (any database)' }),
        dataDir: nonEmpty.optional().meta({
          description:
            'an embedded PGlite directory (relative to this file); default .grouproles/store',
        }),
      })
      .refine((s) => s.url === undefined || s.dataDir === undefined, {
        message: 'give url or dataDir, not both',
      })
      .optional()
      .meta({ description: 'where REST runs keep what the API cannot show (who left)' }),
    serve: serveSchema.optional(),
    notify: z
      .strictObject({
        team: urlName.meta({ description: "the team's URL name (as in its link)" }),
        channel: urlName.meta({ description: "the channel's URL name, e.g. town-square" }),
      })
      .optional()
      .meta({
        description:
          'post a summary of each applied run that changed or held something to this channel (REST API; a failed post is a warning)',
      }),
  })
  .meta({
    title: 'grouproles config',
    description: 'grouproles: directory groups → Mattermost teams, channels and admin roles',
  })

/** A config file as decoded, before paths are resolved and the LDAP part is checked. */
export type ConfigInput = z.output<typeof configSchema>

/** The published JSON Schema of the config file. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' })
}
