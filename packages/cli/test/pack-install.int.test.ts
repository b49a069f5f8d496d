import { execFile } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// What a user gets from the registry: each package packed as `pnpm publish` packs it, installed
// with npm into a project outside the workspace (its other dependencies from the npm registry),
// then used there: the bin through npx, and a consumer file type-checked under node16 and bundler
// resolution and run. Needs the npm registry, hence an integration test.

const root = fileURLToPath(new URL('../../../', import.meta.url))
const libraries = ['core', 'adapter-ldap', 'adapter-postgres', 'adapter-mattermost']
const published = [...libraries, 'cli']
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const tsup = join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')

interface Manifest {
  readonly name: string
  readonly version: string
  readonly exports?: unknown
  readonly dependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}
const manifestOf = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}
// pnpm's own settings (from the workspace's .npmrc, its user agent) must not reach npm.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^(npm_(config_user_agent|package_|lifecycle_|command|execpath)|PNPM_)/i.test(k),
  ),
)
const run = (cmd: string, args: readonly string[], cwd: string): Promise<Run> =>
  new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout, stderr })
    })
  })
const ok = (r: Run, what: string): Run => {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`)
  return r
}

const files = (dir: string, prefix = ''): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  )
const mtimes = (path: string): number[] =>
  !existsSync(path)
    ? []
    : statSync(path).isDirectory()
      ? files(path).map((f) => statSync(join(path, f)).mtimeMs)
      : [statSync(path).mtimeMs]

/**
 * The cli project's global setup builds the bin; the libraries' dist comes from `pnpm build` (CI
 * runs it first). Builds a library here when its dist is missing or older than its sources, so the
 * tarballs never carry stale code.
 */
async function buildIfStale(dir: string): Promise<void> {
  const built = mtimes(join(dir, 'dist'))
  const sources = ['src', 'package.json', 'tsup.config.ts'].flatMap((p) => mtimes(join(dir, p)))
  if (built.length > 0 && Math.min(...built) >= Math.max(...sources)) return
  ok(await run(process.execPath, [tsup], dir), `tsup in ${dir}`)
}

/** The packages a built (esbuild) file imports, statically or not; Node's built-ins left out. */
const bareImports = (code: string): string[] =>
  [
    ...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"|^import\s*"([^"]+)"/gms),
    ...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'))
    .filter((spec) => !builtinModules.includes(spec.split('/')[0] ?? ''))
    .map((spec) =>
      spec
        .split('/')
        .slice(0, spec.startsWith('@') ? 2 : 1)
        .join('/'),
    )

/** Every file an exports map points at (conditions and subpaths flattened). */
const targets = (exp: unknown): string[] =>
  typeof exp === 'string'
    ? [exp]
    : exp !== null && typeof exp === 'object'
      ? Object.values(exp).flatMap(targets)
      : []

describe(
  'the published packages, packed and installed with npm outside the workspace',
  {
    timeout: 300_000,
  },
  () => {
    let work = ''
    let project = ''
    const unpacked = new Map<string, string>()
    let cliPlan: { summary: { commands: number } } | undefined

    // A failed setup fails every test (vitest would only skip them): nothing here may pass unseen.
    let setupError: Error | undefined
    const setUp = () => {
      if (setupError !== undefined) throw setupError
    }

    beforeAll(async () => {
      try {
        await setUpProject()
      } catch (e) {
        setupError = e instanceof Error ? e : new Error(String(e))
      }
    }, 600_000)

    async function setUpProject(): Promise<void> {
      const started = performance.now()
      for (const name of libraries) await buildIfStale(join(root, 'packages', name))
      work = mkdtempSync(join(tmpdir(), 'grouproles-pack-install-'))
      const tarballs: string[] = []
      for (const name of published) {
        const dest = join(work, 'tarballs', name)
        mkdirSync(dest, { recursive: true })
        ok(
          await run('pnpm', ['pack', '--pack-destination', dest], join(root, 'packages', name)),
          `pnpm pack ${name}`,
        )
        const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'))
        if (tgz === undefined) throw new Error(`pnpm pack ${name} wrote no tarball`)
        tarballs.push(join(dest, tgz))
        const out = join(dest, 'unpacked')
        mkdirSync(out)
        ok(
          await run('tar', ['xzf', join(dest, tgz), '-C', out, '--strip-components=1'], dest),
          'tar',
        )
        unpacked.set(name, out)
      }

      // Versions of what the consumer uses besides our packages: the ranges the workspace uses.
      const rootDev = manifestOf(root).devDependencies ?? {}
      const cliDeps = manifestOf(join(root, 'packages', 'cli')).dependencies ?? {}
      const range = (deps: Record<string, string>, name: string): string => {
        const r = deps[name]
        if (r === undefined) throw new Error(`no ${name} in the workspace's manifests`)
        return `${name}@${r}`
      }
      project = join(work, 'project')
      mkdirSync(project)
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'grouproles-consumer', private: true, type: 'module' }),
      )
      ok(
        await run(
          'npm',
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--loglevel=error',
            ...tarballs,
            range(rootDev, '@types/node'),
            range(rootDev, 'fast-check'),
            range(cliDeps, '@electric-sql/pglite'),
            // PGlite's declarations name Emscripten's types without depending on them.
            '@types/emscripten',
          ],
          project,
        ),
        'npm install',
      )
      console.info(
        `pack-install: packed and installed in ${(performance.now() - started) / 1000} s`,
      )
    }

    afterAll(() => {
      if (work !== '') rmSync(work, { recursive: true, force: true })
    })

    it('should pack each package with the LICENSE, real version ranges and exports into dist only', () => {
      setUp()
      const license = readFileSync(join(root, 'LICENSE'), 'utf8')
      const core = manifestOf(join(root, 'packages', 'core'))
      for (const name of published) {
        const dir = unpacked.get(name) ?? ''
        const manifest = manifestOf(dir)
        const shipped = new Set(files(dir))
        expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), name).toBe(license)
        // What consumers resolve: no workspace ranges, nothing into the unpublished src/.
        const resolved = [manifest.exports, manifest.dependencies, manifest.peerDependencies]
        expect(JSON.stringify(resolved), name).not.toMatch(
          /workspace:|@grouproles\/source|\.\/src\//,
        )
        for (const target of targets(manifest.exports))
          expect(shipped.has(target.replace(/^\.\//, '')), `${name}: ${target}`).toBe(true)
        if (name !== 'cli' && name !== 'core')
          expect(manifest.dependencies?.['@grouproles/core'], name).toBe(`^${core.version}`)
      }
      // The bin bundles the libraries: it must not need them at run time.
      expect(Object.keys(manifestOf(unpacked.get('cli') ?? '').dependencies ?? {})).not.toContain(
        '@grouproles/core',
      )
    })

    it('should import nothing at run time that the package does not declare', () => {
      setUp()
      for (const name of published) {
        const dir = unpacked.get(name) ?? ''
        const manifest = manifestOf(dir)
        const declared = new Set([
          ...Object.keys(manifest.dependencies ?? {}),
          ...Object.keys(manifest.peerDependencies ?? {}),
        ])
        const imported = new Set(
          files(dir)
            .filter((f) => f.endsWith('.js'))
            .flatMap((f) => bareImports(readFileSync(join(dir, f), 'utf8'))),
        )
        expect(imported.size, name).toBeGreaterThan(0)
        expect(
          [...imported].filter((i) => !declared.has(i)),
          name,
        ).toEqual([])
      }
    })

    it('should install one copy of each package, from the tarballs', () => {
      setUp()
      for (const name of published) {
        const manifest = manifestOf(join(project, 'node_modules', '@grouproles', name))
        expect(manifest.name).toBe(`@grouproles/${name}`)
      }
      // The adapters' `^version` range on core is met by the core tarball, not by the registry.
      for (const name of libraries.slice(1))
        expect(
          existsSync(
            join(project, 'node_modules', '@grouproles', name, 'node_modules', '@grouproles'),
          ),
          `${name} has its own copy of @grouproles/core`,
        ).toBe(false)
    })

    it('should run `npx grouproles plan --demo` there', async () => {
      setUp()
      const version = await run('npx', ['--no', '--', 'grouproles', '--version'], project)
      expect([version.code, version.stdout.trim()]).toEqual([
        0,
        expect.stringContaining(manifestOf(join(root, 'packages', 'cli')).version),
      ])
      const text = await run('npx', ['--no', '--', 'grouproles', 'plan', '--demo'], project)
      expect(text.code, text.stderr).toBe(0)
      expect(text.stderr).not.toMatch(/\n\s+at /)
      // The installed package's own assets, not the workspace's.
      expect(text.stdout).toContain(join(project, 'node_modules', '@grouproles', 'cli', 'assets'))
      const json = await run(
        'npx',
        ['--no', '--', 'grouproles', 'plan', '--demo', '--json'],
        project,
      )
      expect(json.code, json.stderr).toBe(0)
      cliPlan = JSON.parse(json.stdout) as { summary: { commands: number } }
      expect(cliPlan.summary.commands).toBeGreaterThan(0)
      expect(text.stdout).toMatch(new RegExp(`^Summary: ${cliPlan.summary.commands} changes`, 'm'))
    })

    it('should type-check a consumer under node16 and bundler resolution, and run it', async () => {
      setUp()
      copyFileSync(
        fileURLToPath(new URL('support/pack-install-consumer.ts', import.meta.url)),
        join(project, 'consumer.ts'),
      )
      const compilerOptions = {
        target: 'es2022',
        strict: true,
        // Our declarations are checked too, not only used.
        skipLibCheck: false,
        types: ['node', 'emscripten'],
      }
      const configs = {
        node16: { module: 'node16', moduleResolution: 'node16', outDir: 'out' },
        bundler: { module: 'esnext', moduleResolution: 'bundler', noEmit: true },
      }
      for (const [name, options] of Object.entries(configs)) {
        writeFileSync(
          join(project, `tsconfig.${name}.json`),
          JSON.stringify({
            compilerOptions: { ...compilerOptions, ...options },
            files: ['consumer.ts'],
          }),
        )
        // One at a time: the machine's cores are shared with the other suites.
        const r = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], project)
        expect(r.stdout + r.stderr, `tsc under ${name}`).toBe('')
        expect(r.code, `tsc under ${name}`).toBe(0)
      }

      const consumer = await run(process.execPath, ['out/consumer.js'], project)
      expect(consumer.code, consumer.stderr).toBe(0)
      const report = JSON.parse(consumer.stdout.trim().split('\n').at(-1) ?? '') as {
        readonly rest: { readonly commands: number; readonly held: number }
      }
      const { rest, ...rows } = report
      expect(rows).toEqual({
        guest: 'guest',
        emptyPlan: 0,
        sampled: 3,
        // The libraries, used directly, plan what the installed CLI plans, and converge.
        postgres: { commands: cliPlan?.summary.commands, converged: true },
      })
      // The REST target leaves removals from group-constrained syncables to Mattermost (held).
      expect(rest.commands).toBeGreaterThan(0)
      expect(rest.commands + rest.held).toBeGreaterThanOrEqual(cliPlan?.summary.commands ?? 0)
    })
  },
)
