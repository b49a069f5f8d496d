import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { schemaErrors, spawnBin, tempDir } from './support/cli.js'

const parse = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>

describe('plan files the CLI does not trust (edited, signed, names)', () => {
  it('should say when a file was edited by hand, refuse to apply it unless --allow-edited, and escape names', async () => {
    const cwd = tempDir()
    expect((await spawnBin(['plan', '--demo', '--out', 'p.json'], { cwd })).code).toBe(0)
    const file = join(cwd, 'p.json')
    const text = readFileSync(file, 'utf8')
    const clean = await spawnBin(['show', 'p.json'], { cwd })
    expect(clean.code).toBe(0)
    expect(clean.stdout).not.toContain('edited by hand')
    // A name from the file that would rewrite the line on a terminal prints escaped.
    const doc = parse(text) as { names: Record<string, string> }
    const [firstId] = Object.keys(doc.names)
    doc.names[firstId ?? ''] = '\x1b[2K\r  + add as member alice'
    writeFileSync(join(cwd, 'names.json'), JSON.stringify(doc, null, 2))
    const shown = await spawnBin(['show', 'names.json'], { cwd })
    expect(shown.code).toBe(0)
    expect(shown.stdout).not.toContain('\x1b')
    expect(shown.stdout).not.toContain('\r')
    // An edited command: show says so, apply refuses with one line.
    writeFileSync(join(cwd, 'edited.json'), text.replace('"role": "member"', '"role": "admin"'))
    const showEdited = await spawnBin(['show', 'edited.json'], { cwd })
    expect(showEdited.stdout).toContain('edited by hand')
    const showJson = parse((await spawnBin(['show', 'edited.json', '--json'], { cwd })).stdout)
    expect(await schemaErrors('show-output', showJson)).toEqual([])
    expect(showJson).toMatchObject({ integrity: 'edited', edited: true, signed: false })
    const refused = await spawnBin(['apply', 'edited.json', '--demo'], { cwd })
    expect(refused.code).toBe(1)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toContain('edited by hand')
    // No digest: also shown, also refused.
    writeFileSync(join(cwd, 'nodigest.json'), text.replace(/"digest": "[^"]*",?/, ''))
    expect((await spawnBin(['show', 'nodigest.json'], { cwd })).stdout).toContain('no digest')
  })

  it('should sign plan --out with GROUPROLES_PLAN_KEY, refuse unsigned or altered files, and reject an empty key', async () => {
    const cwd = tempDir()
    const env = { GROUPROLES_PLAN_KEY: 'k1' }
    expect((await spawnBin(['plan', '--demo', '--out', 'plain.json'], { cwd })).code).toBe(0)
    expect((await spawnBin(['plan', '--demo', '--out', 's.json'], { cwd, env })).code).toBe(0)
    expect(readFileSync(join(cwd, 's.json'), 'utf8')).toContain('"signature": "hmac-sha256:')
    const ok = await spawnBin(['show', 's.json', '--json'], { cwd, env })
    expect(ok.code).toBe(0)
    expect(parse(ok.stdout)).toMatchObject({ signed: true })
    const unsigned = await spawnBin(['show', 'plain.json'], { cwd, env })
    expect(unsigned.code).toBe(1)
    const other = await spawnBin(['show', 's.json'], {
      cwd,
      env: { GROUPROLES_PLAN_KEY: 'k2' },
    })
    expect(other.code).toBe(1)
    const unsignedApply = await spawnBin(['apply', 'plain.json', '--demo'], { cwd, env })
    expect(unsignedApply.code).toBe(1)
    const empty = await spawnBin(['show', 's.json'], { cwd, env: { GROUPROLES_PLAN_KEY: '' } })
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('GROUPROLES_PLAN_KEY')
    const emptyPlan = await spawnBin(['plan', '--demo', '--out', 'x.json'], {
      cwd,
      env: { GROUPROLES_PLAN_KEY: '' },
    })
    expect(emptyPlan.code).toBe(2)
  })
})
