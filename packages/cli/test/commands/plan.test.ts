import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assets, runInProcess, spawnBin, tempDir } from '../support/cli.js'

const demoLdif = readFileSync(assets('demo-directory.ldif'), 'utf8')

// Pieces that reach the LDIF reader's special cases (see adapter-ldap's parse-ldif fuzzing).
const snippets = [
  '::',
  ':',
  ':< file:///etc/passwd',
  ' ',
  '\n',
  '\n\n',
  '\r\n',
  '\n ',
  '\n-\n',
  '#',
  '\ndn: ',
  '\ndn:: //79',
  '\nchangetype: modify\n',
  '\ncontrol: 1.2.3\n',
  '\nresult: 4 Size limit exceeded\n',
  '\nref: ldap://elsewhere\n',
  'member: ',
  'member;range=0-1499: ',
  'nsAccountLock: TRUE',
  'cn=\\',
  ',',
  '=',
  '\u0000',
  '\ud800',
  `cn=${'x'.repeat(2000)}`,
]

/** The demo export with 1–5 characters or lines deleted, duplicated or inserted. */
const fuzzedLdifArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom('delete', 'insert', 'duplicateLine', 'deleteLine'),
          fc.nat(),
          fc.oneof(fc.constantFrom(...snippets), fc.string({ unit: 'binary', maxLength: 8 })),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((edits) =>
        edits.reduce((text, [kind, n, piece]) => {
          const at = n % (text.length + 1)
          if (kind === 'delete') return text.slice(0, at) + text.slice(at + 1 + (n % 7))
          if (kind === 'insert') return text.slice(0, at) + piece + text.slice(at)
          const lines = text.split('\n')
          const i = n % lines.length
          lines.splice(
            i,
            kind === 'deleteLine' ? 1 : 0,
            ...(kind === 'deleteLine' ? [] : [lines[i] ?? '']),
          )
          return lines.join('\n')
        }, demoLdif),
      ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
)

/** Exit 1 or 2 with one error line on stderr (after the progress line): never a stack trace. */
function expectCleanExit(r: { code: number; stdout: string; stderr: string }): void {
  expect([1, 2]).toContain(r.code)
  expect(r.stderr).not.toMatch(/^\s+at /m)
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('grouproles: '))
  expect(errors).toHaveLength(1)
  expect(r.stderr.trimEnd().endsWith(errors[0] ?? '')).toBe(true)
}

describe('plan on a fuzzed LDIF export', () => {
  const cwd = tempDir()
  writeFileSync(join(cwd, 'config.json'), readFileSync(assets('demo-config.json'), 'utf8'))
  const args = ['plan', '--config', 'config.json', '--ldif', 'fuzz.ldif']
  // No Mattermost listens there: an export that reads cleanly ends in a connection error (exit 1),
  // so every case is fast and the reading of the export is what is under test.
  const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' }

  it('should refuse with one error line or fail to reach Mattermost, never a stack trace (in process)', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzedLdifArb, async (ldif) => {
        writeFileSync(join(cwd, 'fuzz.ldif'), ldif)
        expectCleanExit(await runInProcess(args, { cwd, env }))
      }),
      { numRuns: 300 },
    )
  }, 120_000)

  it('should do the same as the built bin a user runs', async () => {
    // Spawning costs about a second each: a few cases, the rest are in process above.
    const cases = fc.sample(fuzzedLdifArb, { numRuns: 6 })
    for (const ldif of cases) {
      writeFileSync(join(cwd, 'fuzz.ldif'), ldif)
      expectCleanExit(await spawnBin(args, { cwd, env }))
    }
  }, 120_000)
})
