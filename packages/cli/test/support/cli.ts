import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { runCli } from '../../src/run-cli.js'

/** The built bin, as `npm i -g @grouproles/cli` installs it. */
export const bin: string = fileURLToPath(new URL('../../dist/main.js', import.meta.url))
export const assets = (name: string): string =>
  fileURLToPath(new URL(`../../assets/${name}`, import.meta.url))

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Spawns the built bin with plain `node` in `cwd`, with only PATH (and `env`) set. */
export function spawnBin(
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: Record<string, string> } = {},
): Promise<Ran & { readonly ms: number }> {
  const started = performance.now()
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: options.cwd ?? tempDir(),
        env: { PATH: process.env['PATH'] ?? '', ...options.env },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          stdout,
          stderr,
          ms: performance.now() - started,
        })
      },
    )
  })
}

/** Runs the CLI in this process (no build, no spawn), as the bin would. */
export async function runInProcess(
  argv: readonly string[],
  options: { readonly cwd?: string; readonly env?: Record<string, string> } = {},
): Promise<Ran> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, options.env ?? {}, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    errRaw: (t) => err.push(t),
    cwd: options.cwd ?? tempDir(),
    stderrIsTty: false,
  })
  return {
    code,
    stdout: out.map((l) => `${l}\n`).join(''),
    stderr: err.map((l) => `${l}\n`).join(''),
  }
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'grouproles-cli-'))

const ajv = new Ajv2020({ allErrors: true, strict: false })
const validators = new Map<string, ReturnType<typeof ajv.compile>>()

/** Checks a `--json` document against its published schema; returns ajv's errors (none: valid). */
export async function schemaErrors(name: string, document: unknown): Promise<unknown[]> {
  let validate = validators.get(name)
  if (validate === undefined) {
    const { readFile } = await import('node:fs/promises')
    const schema = JSON.parse(
      await readFile(new URL(`../../schema/${name}.schema.json`, import.meta.url), 'utf8'),
    ) as object
    validate = ajv.compile(schema)
    validators.set(name, validate)
  }
  return validate(document) ? [] : [...(validate.errors ?? [])]
}
