import fc from 'fast-check'

/*
 * Fuzzing inputs for the response decoders: valid API bodies broken by a few edits at random places
 * (a field dropped or retyped, a row replaced, an object turned into an array), and arbitrary JSON
 * or text in place of a body.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

type Edit =
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: Json }
  | { readonly kind: 'wrap'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'addKey'; readonly at: number; readonly key: string; readonly value: Json }

// Values the decoders test for: wrong types, empty and odd strings, special numbers.
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, '', ' ', '0', [], {}, 'null', '__proto__'),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
)

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: oddValue }),
  fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('addKey' as const),
    at: fc.nat(),
    key: fc.constantFrom('id', 'delete_at', 'members', 'groups', '__proto__', 'constructor', 'x'),
    value: oddValue,
  }),
)

/** Every container in `json` (objects and arrays), the root first. */
function containers(json: Json, out: (Json[] | { [key: string]: Json })[] = []): typeof out {
  if (json === null || typeof json !== 'object') return out
  out.push(json)
  for (const v of Array.isArray(json) ? json : Object.values(json)) containers(v, out)
  return out
}

function applyEdit(json: Json, edit: Edit): Json {
  // Inserted values are copied: fast-check hands out the same constant objects across runs.
  if (edit.kind === 'replace' && edit.at % 8 === 0) return structuredClone(edit.value)
  if (edit.kind === 'wrap' && edit.at % 4 === 0) return [json]
  const all = containers(json)
  const node = all[edit.at % Math.max(all.length, 1)]
  if (node === undefined) return json
  const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node)
  const key = keys[edit.at % Math.max(keys.length, 1)]
  const set = (k: string | number, v: Json): void => {
    if (Array.isArray(node)) node[Number(k)] = v
    // defineProperty: a "__proto__" key must become a field, as JSON.parse makes it.
    else
      Object.defineProperty(node, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      })
  }
  const get = (k: string | number): Json =>
    (Array.isArray(node) ? node[Number(k)] : node[String(k)]) ?? null
  if (edit.kind === 'addKey') {
    if (Array.isArray(node)) node.push(structuredClone(edit.value))
    else set(edit.key, structuredClone(edit.value))
    return json
  }
  if (key === undefined) return json
  if (edit.kind === 'drop') {
    if (Array.isArray(node)) node.splice(Number(key), 1)
    else Reflect.deleteProperty(node, String(key))
  } else if (edit.kind === 'replace') set(key, structuredClone(edit.value))
  else if (edit.kind === 'wrap') set(key, [get(key)])
  else if (Array.isArray(node)) node.splice(Number(key), 0, structuredClone(get(key)))
  else set(`${String(key)}_copy`, structuredClone(get(key)))
  return json
}

/** `valid` (any JSON body) broken by 1–4 edits; the input is not changed. */
export function mutatedJsonArb(valid: unknown): fc.Arbitrary<unknown> {
  return fc
    .array(editArb, { minLength: 1, maxLength: 4 })
    .map((edits) => edits.reduce(applyEdit, structuredClone(valid) as Json))
}

/** Mutated `valid` bodies mostly, the valid body itself, and arbitrary JSON. */
export function fuzzJsonArb(valid: unknown): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: mutatedJsonArb(valid) },
    { weight: 1, arbitrary: fc.constant(valid).map((v) => structuredClone(v)) },
    { weight: 2, arbitrary: fc.jsonValue() },
  )
}

/** What a server may send as a body: JSON text of `fuzzJsonArb`, cut JSON, or arbitrary text. */
export function fuzzBodyTextArb(valid: unknown): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fuzzJsonArb(valid).map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constant(JSON.stringify(valid)), fc.nat())
        .map(([t, n]) => t.slice(0, n % (t.length + 1))),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
  )
}
