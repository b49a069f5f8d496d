import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, it } from 'vitest'
import { loadSpec, loadUpstreamSpec, upstreamSpecFile } from '../fake-mattermost/spec.js'

// Our description against the published subset vendored beside the repository (../shared, as in
// CI). Paths, methods, operation ids, parameters, request and response fields and their types
// must agree, except where ours says `x-not-in-upstream` (each such mark is checked to be still
// true). Without ../shared this file is skipped with a notice; CI sets
// GROUPROLES_REQUIRE_UPSTREAM_SPEC=1 so that a missing subset fails instead.

type Schema = {
  readonly type?: string
  readonly properties?: Record<string, Schema>
  readonly items?: Schema
  readonly allOf?: readonly Schema[]
  readonly oneOf?: readonly Schema[]
  readonly anyOf?: readonly Schema[]
  readonly 'x-not-in-upstream'?: string
}
type Parameter = { readonly name: string; readonly in: string; readonly schema?: Schema } & Schema
type Body = { readonly content?: Record<string, { readonly schema?: Schema }> } & Schema
type Operation = {
  readonly operationId?: string
  readonly parameters?: readonly Parameter[]
  readonly requestBody?: Body
  readonly responses?: Record<string, Body>
}
type Spec = { readonly paths: Record<string, Record<string, Operation>> }

const methods = ['get', 'put', 'post', 'delete', 'patch']

/** Operations the published subset leaves out on purpose (it has no channel listing, no config). */
const notInSubset = new Set([
  'GET /api/v4/teams/{team_id}/channels',
  'GET /api/v4/teams/{team_id}/channels/private',
  'GET /api/v4/teams/{team_id}/channels/deleted',
  'GET /api/v4/channels',
  'GET /api/v4/config/client',
  // Run summaries (`notify`): the subset has no posts and no channel read by team name.
  'GET /api/v4/teams/name/{team_name}/channels/name/{channel_name}',
  'POST /api/v4/posts',
])

const upstream = loadUpstreamSpec()
const required = process.env['GROUPROLES_REQUIRE_UPSTREAM_SPEC'] === '1'
if (upstream === undefined && !required) {
  console.info(
    `[upstream cross-check] skipped: ${upstreamSpecFile} is not there (the published subset lives in ../shared beside the repository; CI has it)`,
  )
}

// allOf parts merged into one object schema.
function flatten(s: Schema): Schema {
  if (s.allOf === undefined) return s
  const parts = s.allOf.map(flatten)
  return {
    type: 'object',
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) as Record<
      string,
      Schema
    >,
    ...(s['x-not-in-upstream'] !== undefined
      ? { 'x-not-in-upstream': s['x-not-in-upstream'] }
      : {}),
  }
}

function kind(s: Schema): string {
  if (s.type !== undefined) return s.type
  if (s.properties !== undefined) return 'object'
  if (s.items !== undefined) return 'array'
  return 'any'
}

/** Where `ours` and `theirs` disagree, as sentences naming the place. */
function compareSchemas(ours: Schema, theirs: Schema, at: string): string[] {
  const o = flatten(ours)
  const t = flatten(theirs)
  if (o['x-not-in-upstream'] !== undefined) return []
  // Several shapes on our side (e.g. one member or a list): the one of upstream's kind must agree.
  const alternatives = o.oneOf ?? o.anyOf
  if (alternatives !== undefined) {
    const same = alternatives
      .map(flatten)
      .filter((a) => a['x-not-in-upstream'] === undefined && kind(a) === kind(t))
    if (same.length === 0) return [`${at}: none of our shapes is upstream's ${kind(t)}`]
    return same.flatMap((a) => compareSchemas(a, t, at))
  }
  if (kind(t) === 'any' || kind(o) === 'any') return []
  if (kind(o) !== kind(t)) return [`${at}: ours is ${kind(o)}, upstream's is ${kind(t)}`]
  if (kind(o) === 'array') return compareSchemas(o.items ?? {}, t.items ?? {}, `${at}[]`)
  if (kind(o) !== 'object') return []
  return Object.entries(o.properties ?? {}).flatMap(([name, p]) => {
    const theirsP = t.properties?.[name]
    const flagged = p['x-not-in-upstream'] !== undefined
    if (theirsP === undefined)
      return flagged
        ? []
        : [`${at}.${name}: not in upstream (mark it x-not-in-upstream, with the reason)`]
    if (flagged) return [`${at}.${name}: marked x-not-in-upstream, but upstream has it`]
    return compareSchemas(p, theirsP, `${at}.${name}`)
  })
}

function jsonSchema(body: Body | undefined): Schema | undefined {
  return body?.content?.['application/json']?.schema
}

function compareOperations(key: string, ours: Operation, theirs: Operation): string[] {
  const problems: string[] = []
  if (ours.operationId !== theirs.operationId) {
    problems.push(`${key}: operation id ${ours.operationId} vs upstream ${theirs.operationId}`)
  }
  for (const p of ours.parameters ?? []) {
    const up = theirs.parameters?.find((q) => q.name === p.name && q.in === p.in)
    const flagged = p['x-not-in-upstream'] !== undefined
    if (up === undefined) {
      if (!flagged) problems.push(`${key}: ${p.in} parameter ${p.name} is not in upstream`)
      continue
    }
    if (flagged)
      problems.push(`${key}: parameter ${p.name} marked x-not-in-upstream, but upstream has it`)
    else problems.push(...compareSchemas(p.schema ?? {}, up.schema ?? {}, `${key} ${p.name}`))
  }
  if (ours.requestBody !== undefined) {
    const flagged = ours.requestBody['x-not-in-upstream'] !== undefined
    if (theirs.requestBody === undefined) {
      if (!flagged) problems.push(`${key}: upstream has no request body`)
    } else if (flagged) {
      problems.push(`${key}: request body marked x-not-in-upstream, but upstream has one`)
    } else {
      problems.push(
        ...compareSchemas(
          jsonSchema(ours.requestBody) ?? {},
          jsonSchema(theirs.requestBody) ?? {},
          `${key} body`,
        ),
      )
    }
  }
  for (const [status, response] of Object.entries(ours.responses ?? {})) {
    if (status === 'default') continue
    const up = theirs.responses?.[status]
    if (up === undefined) {
      problems.push(`${key}: upstream has no ${status} answer`)
      continue
    }
    if (response['x-not-in-upstream'] !== undefined) continue
    const o = jsonSchema(response)
    const t = jsonSchema(up)
    if (o !== undefined && t !== undefined)
      problems.push(...compareSchemas(o, t, `${key} ${status}`))
  }
  return problems
}

describe.skipIf(upstream === undefined && !required)(
  'openapi/mattermost-v4.yaml against the published subset',
  () => {
    it('should agree with it on paths, methods, ids, parameters, fields and types', async () => {
      expect(upstream, `the published subset is required here: ${upstreamSpecFile}`).toBeDefined()
      const ours = (await SwaggerParser.dereference(loadSpec() as never)) as unknown as Spec
      const theirs = (await SwaggerParser.dereference(upstream as never)) as unknown as Spec

      const problems: string[] = []
      let compared = 0
      for (const [path, ops] of Object.entries(ours.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          if (!methods.includes(method)) continue
          const key = `${method.toUpperCase()} ${path}`
          const up = theirs.paths[path]?.[method]
          if (up === undefined) {
            if (!notInSubset.has(key)) problems.push(`${key}: not in the published subset`)
            continue
          }
          if (notInSubset.has(key)) problems.push(`${key}: now in the subset, compare it`)
          compared++
          problems.push(...compareOperations(key, op, up))
        }
      }

      expect(problems).toEqual([])
      expect(compared).toBeGreaterThan(30)
    })

    it('should share no description text with it', () => {
      const texts = (node: unknown): string[] =>
        typeof node !== 'object' || node === null
          ? []
          : Object.entries(node).flatMap(([k, v]) =>
              (k === 'description' || k === 'summary') && typeof v === 'string' && v.length > 30
                ? [v.trim()]
                : texts(v),
            )
      const published = JSON.stringify(upstream)

      expect(texts(loadSpec()).filter((t) => published.includes(t))).toEqual([])
    })
  },
)
