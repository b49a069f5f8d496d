import fc from 'fast-check'
import { freeipaFixture } from './freeipa-fixture.js'
import { writeLdif } from './write-ldif.js'

/*
 * Fuzzing inputs for the LDIF readers: valid exports (FreeIPA and AD shaped) broken by a few edits
 * that hit the parser's branches (folding, `::`, change records, trailers, odd DNs, control chars),
 * and arbitrary text. Every reader must answer Ok or a typed error for each of them.
 */

const adUsers = 'OU=Users,DC=corp,DC=example'
/** A small AD export: binary GUIDs, ranged members, a computer. */
export const adFuzzLdif: string = writeLdif(
  [
    {
      dn: `CN=Alice,${adUsers}`,
      attributes: [
        ['objectClass', ['top', 'person', 'user']],
        ['sAMAccountName', ['alice']],
        ['objectGUID', [Buffer.alloc(16, 7)]],
        ['userAccountControl', ['512']],
        ['mail', ['alice@corp.example']],
        ['manager', [`CN=Bob,${adUsers}`]],
      ],
    },
    {
      dn: `CN=Bob,${adUsers}`,
      attributes: [
        ['objectClass', ['top', 'person', 'user']],
        ['sAMAccountName', ['bob']],
        ['objectGUID', [Buffer.alloc(16, 1)]],
        ['userAccountControl', ['514']],
      ],
    },
    {
      dn: 'CN=PC1,OU=Computers,DC=corp,DC=example',
      attributes: [
        ['objectClass', ['top', 'user', 'computer']],
        ['sAMAccountName', ['PC1$']],
      ],
    },
    {
      dn: 'CN=mm_rl_infra,OU=Groups,DC=corp,DC=example',
      attributes: [
        ['objectClass', ['top', 'group']],
        ['cn', ['mm_rl_infra']],
        ['objectGUID', [Buffer.alloc(16, 2)]],
        ['member', [`cn=alice,${adUsers.toLowerCase()}`, `CN=Bob,${adUsers}`]],
        ['member', ['CN=mm_rl,OU=Groups,DC=corp,DC=example']],
      ],
    },
    {
      dn: 'CN=mm_rl,OU=Groups,DC=corp,DC=example',
      attributes: [
        ['objectClass', ['top', 'group']],
        ['cn', ['mm_rl']],
        ['objectGUID', [Buffer.alloc(16, 3)]],
        ['member;range=0-1499', [`CN=Alice,${adUsers}`]],
        ['member', ['CN=mm_rl_infra,OU=Groups,DC=corp,DC=example']],
      ],
    },
  ],
  { width: 40 },
)

/** The FreeIPA fixture without bulk users, folded at ldapsearch's width. */
export const freeipaFuzzLdif: string = writeLdif(freeipaFixture(0), { version: true })

// Pieces that reach the parser's special cases when dropped anywhere.
const snippets = [
  '::',
  ':',
  ': ',
  ':< file:///etc/passwd',
  ' ',
  '\n',
  '\n\n',
  '\r\n',
  '\r',
  '\n ',
  '-',
  '\n-\n',
  '#',
  '\ndn: ',
  '\ndn:: ',
  '\ndn:: w4k=',
  '\ndn:: //79',
  '\nchangetype: modify\n',
  'changetype: delete',
  '\ncontrol: 1.2.3 true\n',
  'version: 1\n',
  '\nsearch: 2\nresult: 4 Size limit exceeded\n',
  '\nresult: 0 Success\n',
  '\nresult: x\n',
  '\nref: ldap://elsewhere/dc=x\n',
  'member: ',
  'member;range=0-*: ',
  'member;range=1500-2999: ',
  'objectGUID:: AAAA',
  'objectGUID:: =',
  'ipaUniqueID: ',
  'nsAccountLock: TRUE',
  'userAccountControl: 99999999999999999999',
  'cn=',
  'cn=\\',
  ',',
  ',,',
  '=',
  '\\2C',
  '\\',
  '"',
  '+',
  ';',
  '\u0000',
  '\u0001',
  '\u007f',
  '\u200b',
  '\ud800',
  '\ufeff',
  'é',
  '😀',
  `cn=${'x'.repeat(3000)}`,
  `${'cn=a,'.repeat(400)}dc=x`,
]

type Edit =
  | { readonly kind: 'deleteChars'; readonly at: number; readonly count: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'duplicateLine'; readonly at: number }
  | { readonly kind: 'deleteLine'; readonly at: number }
  | { readonly kind: 'swapLines'; readonly at: number; readonly with: number }
  | { readonly kind: 'foldLine'; readonly at: number; readonly column: number }

const position = fc.nat({ max: 1_000_000 })
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('deleteChars' as const),
    at: position,
    count: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    text: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...snippets) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    ),
  }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: position }),
  fc.record({ kind: fc.constant('deleteLine' as const), at: position }),
  fc.record({ kind: fc.constant('swapLines' as const), at: position, with: position }),
  fc.record({
    kind: fc.constant('foldLine' as const),
    at: position,
    column: fc.integer({ min: 0, max: 80 }),
  }),
)

function applyEdit(text: string, edit: Edit): string {
  const at = text.length === 0 ? 0 : edit.at % (text.length + 1)
  if (edit.kind === 'deleteChars') return text.slice(0, at) + text.slice(at + edit.count)
  if (edit.kind === 'insert') return text.slice(0, at) + edit.text + text.slice(at)
  const lines = text.split('\n')
  const i = edit.at % lines.length
  const line = lines[i] ?? ''
  if (edit.kind === 'duplicateLine') lines.splice(i, 0, line)
  else if (edit.kind === 'deleteLine') lines.splice(i, 1)
  else if (edit.kind === 'swapLines') {
    const j = edit.with % lines.length
    lines[i] = lines[j] ?? ''
    lines[j] = line
  } else {
    const column = Math.min(edit.column, line.length)
    lines.splice(i, 1, line.slice(0, column), ` ${line.slice(column)}`)
  }
  return lines.join('\n')
}

/** A valid export broken by 1–6 edits (characters and lines deleted, duplicated, inserted). */
export const mutatedLdifArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(freeipaFuzzLdif, adFuzzLdif),
    fc.array(editArb, { minLength: 1, maxLength: 6 }),
  )
  .map(([text, edits]) => edits.reduce(applyEdit, text))

/** Mutated exports mostly, plus arbitrary text and LDIF-looking lines. */
export const fuzzLdifArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: mutatedLdifArb },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom(...snippets),
          fc.string({ maxLength: 20 }).map((s) => `dn: ${s}`),
          fc.string({ maxLength: 20 }).map((s) => `member: ${s}`),
        ),
        { maxLength: 20 },
      )
      .map((lines) => lines.join('\n')),
  },
)
