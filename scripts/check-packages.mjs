#!/usr/bin/env node
// `pnpm check:packages`: builds every published package, packs it as `pnpm publish` would, and
// checks the tarball (not the work tree) with publint and attw, plus what neither of them knows
// about this workspace: the LICENSE, no `workspace:` ranges, no exports into the unpublished src/
// (the `@grouproles/source` condition), and `publishConfig.exports` in step with `exports`.
// Exits 1 if any package has a problem. `--no-build` skips the build (CI has just built).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name) => join(root, 'node_modules', '.bin', name)
const build = !process.argv.includes('--no-build')

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir), name: dir }))
  .map((p) => ({ ...p, manifest: JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) }))
  .filter((p) => p.manifest.private !== true)

const run = (cmd, args, cwd) => {
  try {
    return { ok: true, out: execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe' }) }
  } catch (e) {
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e) }
  }
}

/** The exports map without the workspace-only condition: what consumers must get. */
const published = (exp) =>
  typeof exp === 'string' || exp === null
    ? exp
    : Object.fromEntries(
        Object.entries(exp)
          .filter(([k]) => k !== '@grouproles/source')
          .map(([k, v]) => [k, published(v)]),
      )

/** Problems attw and publint cannot see: they know nothing of this workspace. */
function workspaceProblems(p, unpacked) {
  const problems = []
  const files = (dir, prefix = '') =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
  const packed = new Set(files(unpacked))
  const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'))
  if (!packed.has('LICENSE')) problems.push('no LICENSE in the tarball')
  else if (
    readFileSync(join(unpacked, 'LICENSE'), 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8')
  )
    problems.push("the tarball's LICENSE differs from the repository's")
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'])
    for (const [dep, range] of Object.entries(manifest[field] ?? {}))
      if (String(range).startsWith('workspace:'))
        problems.push(`${field}.${dep} is still ${range} in the tarball`)
  const exportsText = JSON.stringify(manifest.exports ?? {})
  if (exportsText.includes('@grouproles/source') || exportsText.includes('./src/'))
    problems.push('the packed exports still point into src/ (the @grouproles/source condition)')
  if (JSON.stringify(manifest.exports) !== JSON.stringify(published(p.manifest.exports)))
    problems.push('publishConfig.exports is out of step with exports (minus @grouproles/source)')
  for (const field of ['repository', 'license', 'engines'])
    if (manifest[field] === undefined) problems.push(`no "${field}"`)
  return problems
}

if (build) {
  console.log('== pnpm build')
  const b = run('pnpm', ['build'], root)
  if (!b.ok) {
    console.log(b.out)
    process.exit(1)
  }
}

const work = mkdtempSync(join(tmpdir(), 'grouproles-check-packages-'))
let failed = 0
try {
  for (const p of packages) {
    console.log(`== ${p.manifest.name}`)
    const dest = join(work, p.name)
    mkdirSync(dest)
    const pack = run('pnpm', ['pack', '--pack-destination', dest], p.dir)
    const tarball = readdirSync(dest).find((f) => f.endsWith('.tgz'))
    if (!pack.ok || tarball === undefined) {
      console.log(`  pnpm pack failed\n${pack.out}`)
      failed++
      continue
    }
    const tgz = join(dest, tarball)
    const unpacked = join(dest, 'unpacked')
    mkdirSync(unpacked)
    execFileSync('tar', ['xzf', tgz, '-C', unpacked, '--strip-components=1'])

    const checks = [['publint', run(bin('publint'), ['run', tgz, '--strict'], dest)]]
    // ESM-only on purpose (type: module, Node >= 20.19): the esm-only profile leaves out node10
    // and TypeScript's node16-from-CJS view, which can only ever say "dynamic import only".
    if (p.manifest.types !== undefined)
      checks.push([
        'attw',
        run(bin('attw'), [tgz, '--profile', 'esm-only', '--format', 'ascii'], dest),
      ])
    else console.log('  attw: skipped, the package has no types (a bin, no library entry points)')
    const problems = workspaceProblems(p, unpacked)
    checks.push(['workspace', { ok: problems.length === 0, out: problems.join('\n') }])
    for (const [name, r] of checks) {
      console.log(`  ${name}: ${r.ok ? 'ok' : 'FAILED'}`)
      if (!r.ok) {
        failed++
        console.log(r.out.replace(/^/gm, '    '))
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
console.log(failed === 0 ? 'check:packages: all good' : `check:packages: ${failed} problem(s)`)
process.exit(failed === 0 ? 0 : 1)
