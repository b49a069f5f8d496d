import {
  AndFilter,
  ApproximateFilter,
  EqualityFilter,
  ExtensibleFilter,
  type Filter,
  FilterParser,
  GreaterThanEqualsFilter,
  LessThanEqualsFilter,
  NotFilter,
  OrFilter,
  PresenceFilter,
  SubstringFilter,
} from 'ldapts'
import { err, ok, type Result } from 'neverthrow'
import { textValues, type DirectoryEntry } from './directory-entry.js'

/** A filter the offline matcher cannot evaluate the way a server would. */
export interface UnsupportedFilterError {
  readonly kind: 'unsupportedFilter'
  readonly message: string
  readonly filter: string
}

type Matcher = (entry: DirectoryEntry) => boolean

const bitAnd = '1.2.840.113556.1.4.803'
const bitOr = '1.2.840.113556.1.4.804'

/**
 * Compiles an LDAP filter into a predicate over an entry, for LDIF snapshots. Matching is
 * case-insensitive (as for caseIgnoreMatch/objectClass); AD's bitwise rules are supported, other
 * extensible rules (e.g. LDAP_MATCHING_RULE_IN_CHAIN) are refused rather than guessed.
 */
export function compileFilter(filter: string): Result<Matcher, UnsupportedFilterError> {
  let parsed: Filter
  try {
    parsed = FilterParser.parseString(filter)
  } catch (e) {
    return err({
      kind: 'unsupportedFilter',
      message: e instanceof Error ? e.message : 'cannot parse',
      filter,
    })
  }
  try {
    return ok(compile(parsed))
  } catch (e) {
    return err({
      kind: 'unsupportedFilter',
      message: e instanceof Error ? e.message : 'unsupported',
      filter,
    })
  }
}

function lower(entry: DirectoryEntry, attribute: string): readonly string[] {
  return textValues(entry, attribute).map((v) => v.toLowerCase())
}

function valueText(v: string | Buffer): string {
  return typeof v === 'string' ? v : v.toString('utf8')
}

function compile(f: Filter): Matcher {
  if (f instanceof AndFilter) {
    const parts = f.filters.map(compile)
    return (e) => parts.every((p) => p(e))
  }
  if (f instanceof OrFilter) {
    const parts = f.filters.map(compile)
    return (e) => parts.some((p) => p(e))
  }
  if (f instanceof NotFilter) {
    const inner = compile(f.filter)
    return (e) => !inner(e)
  }
  if (f instanceof PresenceFilter) {
    const a = f.attribute
    if (a.toLowerCase() === 'objectclass') return () => true
    return (e) => (e.attributes.get(a.toLowerCase())?.length ?? 0) > 0
  }
  if (f instanceof EqualityFilter) {
    const a = f.attribute
    const v = valueText(f.value).toLowerCase()
    return (e) => lower(e, a).includes(v)
  }
  if (f instanceof SubstringFilter) {
    const a = f.attribute
    const initial = f.initial.toLowerCase()
    const any = f.any.map((s) => s.toLowerCase())
    const final = f.final.toLowerCase()
    return (e) =>
      lower(e, a).some((value) => {
        if (!value.startsWith(initial)) return false
        let at = initial.length
        for (const part of any) {
          const found = value.indexOf(part, at)
          if (found < 0) return false
          at = found + part.length
        }
        return value.length - final.length >= at && value.endsWith(final)
      })
  }
  if (f instanceof GreaterThanEqualsFilter || f instanceof LessThanEqualsFilter) {
    const a = f.attribute
    const v = f.value.toLowerCase()
    const ge = f instanceof GreaterThanEqualsFilter
    const numeric = /^-?\d+$/.test(v)
    return (e) =>
      lower(e, a).some((x) => {
        const cmp =
          numeric && /^-?\d+$/.test(x)
            ? Math.sign(Number(x) - Number(v))
            : x < v
              ? -1
              : x > v
                ? 1
                : 0
        return ge ? cmp >= 0 : cmp <= 0
      })
  }
  if (f instanceof ExtensibleFilter) {
    if ((f.rule === bitAnd || f.rule === bitOr) && f.matchType !== '' && !f.dnAttributes) {
      const a = f.matchType
      const mask = BigInt(f.value)
      return (e) =>
        textValues(e, a).some((x) => {
          if (!/^-?\d+$/.test(x.trim())) return false
          const bits = BigInt.asUintN(64, BigInt(x.trim())) & mask
          return f.rule === bitAnd ? bits === mask : bits !== 0n
        })
    }
    throw new Error(`extensible match rule "${f.rule}" is not supported offline`)
  }
  if (f instanceof ApproximateFilter)
    throw new Error('approximate (~=) matching is not supported offline')
  throw new Error('unknown filter type')
}
