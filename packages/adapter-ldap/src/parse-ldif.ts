import { directoryWarning, type DirectoryWarning } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'

/** One attribute value of an LDIF entry: text, or the bytes of a `::` base64 value. */
export interface LdifAttribute {
  readonly type: string
  readonly value: string | Uint8Array
}

/** A content record. `line` is where its `dn:` starts (1-based). */
export interface LdifEntry {
  readonly dn: string
  readonly line: number
  readonly attributes: readonly LdifAttribute[]
}

/** Something in the file that was skipped on purpose (a directory warning, with its message). */
export type LdifWarning = Extract<
  DirectoryWarning,
  { readonly kind: 'changeRecordIgnored' | 'referralIgnored' }
>

/** Why an LDIF text could not be used. */
export type LdifParseError =
  | { readonly kind: 'ldifSyntax'; readonly line: number; readonly message: string }
  /** The export itself says the search ended early (`result: 4 Size limit exceeded`): it is partial. */
  | {
      readonly kind: 'incompleteExport'
      readonly line: number
      readonly resultCode: number
      readonly message: string
    }

/** The records of an LDIF text plus what was skipped. */
export interface ParsedLdif {
  readonly entries: readonly LdifEntry[]
  /** Only `LdifWarning` kinds, typed as the directory warnings they become. */
  readonly warnings: readonly DirectoryWarning[]
}

const lineRe = /^([A-Za-z0-9][A-Za-z0-9.-]*(?:;[A-Za-z0-9=._-]+)*)(:<|::|:)\s*(.*)$/s
const base64Re = /^[A-Za-z0-9+/]*={0,2}$/
const utf8 = new TextDecoder('utf-8', { fatal: true })

interface LogicalLine {
  readonly text: string
  readonly line: number
}

/** One thing an LDIF text holds, as {@link scanLdif} hands it over. */
export type LdifItem =
  | { readonly kind: 'entry'; readonly entry: LdifEntry }
  | { readonly kind: 'warning'; readonly warning: DirectoryWarning }

/**
 * Parses LDIF content records (RFC 2849) as written by `ldapsearch`: folded lines, `::` base64 values,
 * comments, CRLF, `version: 1`, and the `search:`/`result:` trailer (a non-zero result is an error).
 * Change records are skipped with a warning; `:<` URL values are refused.
 */
export function parseLdif(text: string): Result<ParsedLdif, LdifParseError> {
  const entries: LdifEntry[] = []
  const warnings: DirectoryWarning[] = []
  return scanLdif(text, (item) => {
    if (item.kind === 'entry') entries.push(item.entry)
    else warnings.push(item.warning)
    return true
  }).map(() => ({ entries, warnings }))
}

/**
 * {@link parseLdif} one record at a time: each entry and warning goes to `visit` as soon as its
 * record is read, so a reader can reduce it and let it go (a 500k-user export held whole as records
 * took several times the text's memory). `visit` returns false to stop early. Ends with the first
 * syntax error, after the records before it were visited.
 */
export function scanLdif(
  text: string,
  visit: (item: LdifItem) => boolean,
): Result<void, LdifParseError> {
  let index = 0
  for (const record of toRecords(text)) {
    const first = record[0]
    if (first === undefined) continue
    if (index++ === 0 && /^version:\s*1\s*$/i.test(first.text)) {
      if (record.length === 1) continue
      record.shift()
    }
    const head = record[0]
    if (head === undefined) continue
    const parsed = parseRecord(record)
    if (parsed.isErr()) return err(parsed.error)
    const r = parsed.value
    let more = true
    if (r.kind === 'trailer') {
      if (r.resultCode !== 0)
        return err({
          kind: 'incompleteExport',
          line: r.line,
          resultCode: r.resultCode,
          message: `the export ends with "result: ${r.text}": it is partial`,
        })
    } else if (r.kind === 'change')
      more = visit({
        kind: 'warning',
        warning: directoryWarning({
          kind: 'changeRecordIgnored',
          dn: r.dn,
          line: head.line,
          changetype: r.changetype,
        }),
      })
    else if (r.kind === 'referral')
      more = visit({
        kind: 'warning',
        warning: directoryWarning({ kind: 'referralIgnored', url: r.text }),
      })
    else more = visit({ kind: 'entry', entry: r.entry })
    if (!more) break
  }
  return ok(undefined)
}

// Logical lines grouped into records, one record at a time; lines are cut as they are reached
// instead of splitting the whole text at once.
function* toRecords(text: string): Generator<LogicalLine[]> {
  let current: LogicalLine[] = []
  let last: { text: string; line: number; comment: boolean } | undefined
  const flush = (): void => {
    if (last !== undefined && !last.comment) current.push({ text: last.text, line: last.line })
    last = undefined
  }
  let lineNumber = 0
  for (let pos = 0; pos <= text.length;) {
    let end = text.indexOf('\n', pos)
    if (end === -1) end = text.length
    const raw = text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end)
    pos = end + 1
    lineNumber++
    if (raw.startsWith(' ') && last !== undefined) {
      last.text += raw.slice(1)
      continue
    }
    flush()
    if (raw === '') {
      if (current.length > 0) yield current
      current = []
      continue
    }
    last = { text: raw, line: lineNumber, comment: raw.startsWith('#') }
  }
  flush()
  if (current.length > 0) yield current
}

type ParsedRecord =
  | { readonly kind: 'entry'; readonly entry: LdifEntry }
  | { readonly kind: 'change'; readonly dn: string; readonly changetype: string }
  | {
      readonly kind: 'trailer'
      readonly line: number
      readonly resultCode: number
      readonly text: string
    }
  | { readonly kind: 'referral'; readonly text: string }

function parseRecord(record: readonly LogicalLine[]): Result<ParsedRecord, LdifParseError> {
  const values: { type: string; value: string | Uint8Array; line: number }[] = []
  const dnLine = record[0]
  const changetype = record.find((l) => /^changetype:/i.test(l.text))
  if (dnLine !== undefined && changetype !== undefined && /^dn::?/i.test(dnLine.text)) {
    // Change records (modify with "-" separators, delete, add) are not a snapshot: skip them whole.
    const dn = dnLine.text.startsWith('dn::')
      ? Buffer.from(dnLine.text.slice(4).trim(), 'base64').toString('utf8')
      : dnLine.text.slice(3).trim()
    return ok({
      kind: 'change',
      dn,
      changetype: changetype.text.slice('changetype:'.length).trim(),
    })
  }
  for (const l of record) {
    if (l.text === '-')
      return err({
        kind: 'ldifSyntax',
        line: l.line,
        message: '"-" separator outside a change record',
      })
    const m = lineRe.exec(l.text)
    if (m === null)
      return err({ kind: 'ldifSyntax', line: l.line, message: 'expected "attribute: value"' })
    const [, type = '', sep = '', rest = ''] = m
    if (sep === ':<')
      return err({
        kind: 'ldifSyntax',
        line: l.line,
        message: 'URL values (":<") are not supported',
      })
    if (sep === '::') {
      const b64 = rest.replace(/\s+/g, '')
      if (!base64Re.test(b64) || b64.length % 4 !== 0)
        return err({
          kind: 'ldifSyntax',
          line: l.line,
          message: `invalid base64 value for ${type}`,
        })
      values.push({ type, value: new Uint8Array(Buffer.from(b64, 'base64')), line: l.line })
    } else values.push({ type, value: rest, line: l.line })
  }
  const head = values[0]
  if (head === undefined)
    return err({ kind: 'ldifSyntax', line: record[0]?.line ?? 0, message: 'empty record' })
  const headType = head.type.toLowerCase()
  if (headType === 'search' || headType === 'result') {
    // ldapsearch's trailer: "search: 2" / "result: 0 Success".
    const result = values.find((v) => v.type.toLowerCase() === 'result')
    if (result === undefined)
      return ok({ kind: 'trailer', line: head.line, resultCode: 0, text: '' })
    const text = typeof result.value === 'string' ? result.value : ''
    const code = /^(\d+)/.exec(text)
    return ok({
      kind: 'trailer',
      line: result.line,
      resultCode: code === null ? -1 : Number(code[1]),
      text,
    })
  }
  if (headType === 'ref')
    return ok({
      kind: 'referral',
      text: values.map((v) => (typeof v.value === 'string' ? v.value : '')).join(' '),
    })
  if (headType !== 'dn')
    return err({
      kind: 'ldifSyntax',
      line: head.line,
      message: `record starts with "${head.type}:" instead of "dn:"`,
    })
  let dn: string
  try {
    dn = typeof head.value === 'string' ? head.value : utf8.decode(head.value)
  } catch {
    return err({ kind: 'ldifSyntax', line: head.line, message: 'dn:: is not UTF-8' })
  }
  const rest = values.slice(1)
  if (rest.some((v) => v.type.toLowerCase() === 'control'))
    return err({
      kind: 'ldifSyntax',
      line: head.line,
      message: '"control:" is only valid in change records',
    })
  return ok({
    kind: 'entry',
    entry: { dn, line: head.line, attributes: rest.map(({ type, value }) => ({ type, value })) },
  })
}
