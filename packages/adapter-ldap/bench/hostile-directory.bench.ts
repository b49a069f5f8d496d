// Hostile and huge directories, read with the default limits (and with limits raised, to show the
// work itself is linear): a 10,000-deep chain, a 5,000-group cycle, a 500k-member group from an LDIF
// export and from a real slapd. Run (or `pnpm bench:hostile`):
//   node --conditions=@grouproles/source --import tsx packages/adapter-ldap/bench/hostile-directory.bench.ts [bigGroupUsers]
// Every case runs in a fresh process (BENCH_NODE_FLAGS go to it) that reads the fixture from a
// file, so each peak RSS (getrusage maxRSS, which also sees synchronous peaks a timer would miss)
// belongs to that case.
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DirectorySnapshot } from '@grouproles/core'
import { Client } from 'ldapts'
import type { Result } from 'neverthrow'
import { readDirectory, readLdif, type LdapDirectoryConfig } from '../src/index.js'
import {
  bindDn,
  bindPassword,
  freeipaFixture,
  group,
  groupsDn,
  suffix,
  udn,
  user,
  usersDn,
} from '../test/support/freeipa-fixture.js'
import { bigGroupLdif, chainLdif, cycleLdif } from '../test/support/hostile-ldif.js'
import { missingLdapTools, startSlapd } from '../test/support/slapd.js'
import { writeLdif } from '../test/support/write-ldif.js'

interface CaseResult {
  readonly ms: number
  /** User + system CPU of the process: steadier than wall time on a shared machine. */
  readonly cpuMs?: number
  readonly maxRssKb: number
  readonly outcome: string
  readonly groups?: number
  readonly memberships?: number
}

const ldifConfig: LdapDirectoryConfig = {
  url: 'ldap://unused',
  bindDn,
  password: 'unused',
  preset: 'freeipa',
  baseDn: suffix,
}

function outcome(r: Result<DirectorySnapshot, { kind: string; message: string }>): CaseResult {
  const base = { ms: 0, maxRssKb: 0 }
  if (r.isErr())
    return {
      ...base,
      outcome: `refused: ${r.error.kind}${'limit' in r.error ? ` (${String(r.error.limit)})` : ''}`,
    }
  const s = r.value
  // Groups of one cycle share their member list: count memberships as the groups see them.
  return {
    ...base,
    outcome: 'read',
    groups: s.groups.length,
    memberships: s.groups.reduce((n, g) => n + g.memberUsernames.length, 0),
  }
}

/** One case inside a fresh process; prints its result as JSON. */
async function child(kind: string, file: string, limitsJson: string): Promise<void> {
  const limits = JSON.parse(limitsJson) as LdapDirectoryConfig['limits']
  const start = performance.now()
  let result: CaseResult
  if (kind === 'ldif') {
    const text = readFileSync(file, 'utf8')
    result = outcome(readLdif(text, { ...ldifConfig, ...(limits ? { limits } : {}) }))
  } else if (kind === 'ldapts') {
    // The floor: ldapts alone, the same two paged searches on two connections, entries dropped.
    let entries = 0
    await Promise.all(
      [
        {
          base: usersDn,
          filter: '(objectClass=posixAccount)',
          attributes: ['uid', 'ipaUniqueID', 'mail', 'nsAccountLock'],
        },
        {
          base: groupsDn,
          filter: '(objectClass=ipaUserGroup)',
          attributes: ['cn', 'ipaUniqueID', 'member', 'memberManager', 'ipaExternalMember'],
        },
      ].map(async (search) => {
        const client = new Client({ url: file, timeout: 300_000 })
        try {
          await client.bind(bindDn, bindPassword)
          for await (const page of client.searchPaginated(search.base, {
            filter: search.filter,
            attributes: search.attributes,
            paged: { pageSize: 1_000 },
          }))
            entries += page.searchEntries.length
        } finally {
          await client.unbind()
        }
      }),
    )
    result = { ms: 0, maxRssKb: 0, outcome: `${entries} entries, dropped` }
  } else {
    const r = await readDirectory({
      url: file,
      bindDn,
      password: bindPassword,
      preset: 'freeipa',
      baseDn: suffix,
      pageSize: 1_000,
      timeoutMs: 300_000,
      ...(limits ? { limits } : {}),
    })
    result = outcome(r)
  }
  const ms = performance.now() - start
  const usage = process.resourceUsage()
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000
  console.log(JSON.stringify({ ...result, ms, cpuMs, maxRssKb: usage.maxRSS }))
}

function runCase(kind: 'ldif' | 'ldap' | 'ldapts', file: string, limits: object = {}): CaseResult {
  // BENCH_NODE_FLAGS (e.g. `--max-old-space-size=512`) goes to every measured process.
  const extra = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '')
  const r = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      ...extra,
      fileURLToPath(import.meta.url),
      '--child',
      kind,
      file,
      JSON.stringify(limits),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  )
  if (r.status !== 0) throw new Error(`${kind} child failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as CaseResult
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`
const line = (name: string, r: CaseResult): string =>
  `| ${name} | ${r.outcome} | ${r.memberships ?? ''} | ${(r.ms / 1000).toFixed(2)} s | ${((r.cpuMs ?? 0) / 1000).toFixed(2)} s | ${mb(r.maxRssKb)} |`

/** The big group as slapd takes it: full FreeIPA entries (posixAccount needs uidNumber and more). */
async function writeSlapdFixture(file: string, users: number): Promise<void> {
  const out = createWriteStream(file)
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain')
  }
  await write(
    `${writeLdif(
      freeipaFixture(0).filter(
        (e) => !e.dn.endsWith(`,${usersDn}`) && !e.dn.endsWith(`,${groupsDn}`),
      ),
    )}\n`,
  )
  const name = (i: number): string => `u${i}`
  for (let i = 0; i < users; i++) await write(`${writeLdif([user(i + 10, name(i))])}\n`)
  const members = Array.from({ length: users }, (_, i) => udn(name(i)))
  await write(`${writeLdif([group(1, 'everyone', members)])}\n`)
  out.end()
  await once(out, 'finish')
}

async function main(): Promise<void> {
  const bigUsers = Number(process.argv[2] ?? 500_000)
  const dir = mkdtempSync(join(tmpdir(), 'grouproles-hostile-'))
  const file = (name: string, text: string): string => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }
  const rows: string[] = []
  const report = (name: string, r: CaseResult): void => {
    rows.push(line(name, r))
    console.log(rows.at(-1))
  }
  console.log('| case | outcome | memberships | wall time | CPU time | peak RSS |')
  console.log('| --- | --- | --- | --- | --- | --- |')
  try {
    const chain = file('chain.ldif', chainLdif(10_000))
    report('10,000-deep chain, a user per group, default limits', runCase('ldif', chain))
    report(
      '10,000-deep chain, a user per group, depth limit 10,000',
      runCase('ldif', chain, { maxNestingDepth: 10_000 }),
    )
    const cycle = file('cycle.ldif', cycleLdif(5_000))
    report('5,000-group cycle, a user per group, default limits', runCase('ldif', cycle))
    report(
      '5,000-group cycle, a user per group, depth 5,000, memberships 30M',
      runCase('ldif', cycle, { maxNestingDepth: 5_000, maxMemberships: 30_000_000 }),
    )
    const big = file('big.ldif', bigGroupLdif(bigUsers))
    for (const n of [bigUsers / 10, bigUsers / 2]) {
      const part = file(`big-${n}.ldif`, bigGroupLdif(n))
      report(`${n.toLocaleString('en')}-member group, LDIF`, runCase('ldif', part))
    }
    report(`${bigUsers.toLocaleString('en')}-member group, LDIF`, runCase('ldif', big))

    const missing = missingLdapTools()
    if (missing.length > 0) {
      console.log(`(no slapd case: missing ${missing.join(', ')})`)
      return
    }
    const ldif = join(dir, 'slapd.ldif')
    let t = performance.now()
    await writeSlapdFixture(ldif, bigUsers)
    const generated = (performance.now() - t) / 1000
    t = performance.now()
    const slapd = await startSlapd({ dir: join(dir, 'slapd'), ldifFile: ldif, dynlist: false })
    console.log(
      `(slapd fixture: ${bigUsers} users and the group, written in ${generated.toFixed(0)} s, slapadd + start ${((performance.now() - t) / 1000).toFixed(0)} s)`,
    )
    try {
      report(`${bigUsers.toLocaleString('en')}-member group, slapd`, runCase('ldap', slapd.url))
      report(
        `${bigUsers.toLocaleString('en')}-member group, slapd, ldapts alone (the floor)`,
        runCase('ldapts', slapd.url),
      )
      report(
        `${bigUsers.toLocaleString('en')}-member group, slapd, maxEntries 100,000`,
        runCase('ldap', slapd.url, { maxEntries: 100_000 }),
      )
    } finally {
      await slapd.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child')
  await child(process.argv[3] ?? '', process.argv[4] ?? '', process.argv[5] ?? '{}')
else await main()
