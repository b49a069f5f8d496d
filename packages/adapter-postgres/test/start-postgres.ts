import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/** A throwaway cluster: superuser `postgres` over trust, and `PASSWORD_ROLE` over scram-sha-256. */
export interface RunningPostgres {
  readonly host: string
  readonly port: number
  readonly url: (database?: string) => string
  readonly stop: () => Promise<void>
}

export const passwordRole = { user: 'grouproles_pw', password: 's3cret-Pa55word' } as const

/** The newest Debian PostgreSQL bin directory (or $PGBIN), or undefined when none is installed. */
export function findPgBin(): string | undefined {
  const fromEnv = process.env['PGBIN']
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b))
  const newest = versions.at(-1)
  return newest === undefined ? undefined : join(root, newest, 'bin')
}

/**
 * `findPgBin()` for a suite that needs PostgreSQL: without it the suite fails at import (servers are
 * required), unless GROUPROLES_ALLOW_MISSING_SERVERS=1 turns that into a loud skip.
 */
export function requirePgBin(suite: string): string | undefined {
  const bin = findPgBin()
  if (bin !== undefined) return bin
  if (process.env['GROUPROLES_ALLOW_MISSING_SERVERS'] !== '1')
    throw new Error(`${suite}: PostgreSQL (initdb) is missing`)
  console.warn(`\n*** ${suite} SKIPPED: no PostgreSQL (run scripts/bootstrap.sh) ***\n`)
  return undefined
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => {
        resolve(port)
      })
    })
  })
}

const isRoot = process.getuid?.() === 0

// initdb and postgres refuse to run as root.
async function asPostgres(bin: string, args: string[]): Promise<void> {
  if (isRoot) await exec('runuser', ['-u', 'postgres', '--', bin, ...args])
  else await exec(bin, args)
}

/** Starts a fresh cluster on 127.0.0.1 with durability off (fast, disposable). */
export async function startPostgres(pgBin: string): Promise<RunningPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'grouproles-pg-'))
  if (isRoot) {
    await chmod(dir, 0o755)
    await chown(dir, uidOf('postgres'), gidOf('postgres'))
  }
  const data = join(dir, 'data')
  await asPostgres(join(pgBin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '-N',
  ])
  // The password role must authenticate; everyone else is trusted.
  const hba = join(data, 'pg_hba.conf')
  await writeFile(
    hba,
    `host all ${passwordRole.user} 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\nlocal all all trust\n`,
  )
  await appendFile(
    join(data, 'postgresql.conf'),
    "\nmax_connections = 200\nshared_buffers = '256MB'\n",
  )
  const port = await freePort()
  await asPostgres(join(pgBin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'pg.log'),
    '-w',
    '-t',
    '30',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
  ])
  await exec('psql', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'postgres',
    '-q',
    '-c',
    `CREATE ROLE ${passwordRole.user} LOGIN PASSWORD '${passwordRole.password}'`,
  ])
  return {
    host: '127.0.0.1',
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: async () => {
      await asPostgres(join(pgBin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(
        () => undefined,
      )
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function uidOf(user: string): number {
  return Number(passwdEntry(user)?.[2] ?? 0)
}
function gidOf(user: string): number {
  return Number(passwdEntry(user)?.[3] ?? 0)
}
function passwdEntry(user: string): string[] | undefined {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === user)
}
