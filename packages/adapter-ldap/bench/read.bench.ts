// Reads 100k users + 5k groups (1M memberships) from a throwaway slapd with readDirectory and with
// the ldapsearch CLI (same bases, filters, attributes, page size), in the same run. Run:
//   node --expose-gc --conditions=@grouproles/source --import tsx bench/read.bench.ts [users] [groups] [membersPerGroup]
// Every measured read runs in a fresh process, so each peak RSS (getrusage maxRSS, which also sees
// synchronous peaks a timer would miss) belongs to that read alone. BENCH_ROUNDS (default 3) sets the
// rounds; BENCH_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the measured Node reads.
import { spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Client } from 'ldapts'
import { readDirectory, resolveLdapConfig, type LdapDirectoryConfig } from '../src/index.js'
import {
  groupsDn,
  usersDn,
  bindDn,
  bindPassword,
  freeipaFixture,
  group,
  gdn,
  suffix,
  udn,
  user,
} from '../test/support/freeipa-fixture.js'
import { missingLdapTools, startSlapd } from '../test/support/slapd.js'
import { writeLdif } from '../test/support/write-ldif.js'

const pageSize = 1_000
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3)

function configFor(url: string): LdapDirectoryConfig {
  return {
    url,
    bindDn,
    password: bindPassword,
    preset: 'freeipa',
    baseDn: suffix,
    pageSize,
    timeoutMs: 300_000,
  }
}

/** The two searches readDirectory makes, with the attribute lists it asks for. */
function searches(url: string): readonly { base: string; filter: string; attributes: string[] }[] {
  const c = resolveLdapConfig(configFor(url))._unsafeUnwrap()
  const a = c.attributes
  return [
    {
      base: c.usersDn,
      filter: c.userFilter,
      attributes: [a.username, a.userId, a.email, 'nsAccountLock'],
    },
    {
      base: c.groupsDn,
      filter: c.groupFilter,
      attributes: [a.groupName, a.groupId, ...a.member, 'ipaExternalMember'],
    },
  ]
}

interface ChildResult {
  readonly ms: number
  readonly maxRssKb: number
  readonly users?: number
  readonly groups?: number
  readonly memberships?: number
  readonly entries?: number
}

/** One measured read inside a fresh process; prints its result as JSON. */
async function child(kind: string, url: string): Promise<void> {
  if (kind === 'readDirectory') {
    const start = performance.now()
    const r = await readDirectory(configFor(url))
    const ms = performance.now() - start
    if (r.isErr()) throw new Error(`${r.error.kind}: ${r.error.message}`)
    const s = r.value
    const result: ChildResult = {
      ms,
      maxRssKb: process.resourceUsage().maxRSS,
      users: s.users.length,
      groups: s.groups.length,
      memberships: s.groups.reduce((n, g) => n + g.memberUsernames.length, 0),
    }
    console.log(JSON.stringify(result))
    return
  }
  // The floor: ldapts alone, the same two paged searches on two connections at once, entries dropped.
  const start = performance.now()
  let entries = 0
  await Promise.all(
    searches(url).map(async (s) => {
      const client = new Client({ url })
      try {
        await client.bind(bindDn, bindPassword)
        for await (const page of client.searchPaginated(s.base, {
          filter: s.filter,
          attributes: s.attributes,
          paged: { pageSize },
        }))
          entries += page.searchEntries.length
      } finally {
        await client.unbind()
      }
    }),
  )
  const ms = performance.now() - start
  if (entries === 0) throw new Error('raw ldapts read nothing')
  console.log(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, entries }))
}

function runNodeChild(kind: string, url: string): ChildResult {
  const extra = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '')
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, ...extra, fileURLToPath(import.meta.url), '--child', kind, url],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  )
  if (r.status !== 0) throw new Error(`${kind} child failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ChildResult
}

/** One `ldapsearch` process under `/usr/bin/time`: resolves with its wall time and max RSS. */
function ldapsearch(
  url: string,
  s: { base: string; filter: string; attributes: string[] },
): Promise<{ ms: number; maxRssKb: number }> {
  const start = performance.now()
  const p = spawn(
    '/usr/bin/time',
    [
      '-f',
      '%M',
      'ldapsearch',
      '-x',
      '-LLL',
      '-H',
      url,
      '-D',
      bindDn,
      '-w',
      bindPassword,
      '-b',
      s.base,
      '-E',
      `pr=${pageSize}/noprompt`,
      s.filter,
      ...s.attributes,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) => {
    p.once('error', reject)
    p.once('close', (code) => {
      const ms = performance.now() - start
      if (code !== 0) reject(new Error(`ldapsearch failed (${code}): ${stderr}`))
      else resolve({ ms, maxRssKb: Number(stderr.trim().split('\n').pop()) })
    })
  })
}

async function writeFixture(
  file: string,
  userCount: number,
  groupCount: number,
  perGroup: number,
): Promise<void> {
  const out = createWriteStream(file)
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain')
  }
  // The small fixture's containers and sysaccount, without its users and groups.
  await write(
    `${writeLdif(
      freeipaFixture(0).filter(
        (e) => !e.dn.endsWith(`,${usersDn}`) && !e.dn.endsWith(`,${groupsDn}`),
      ),
    )}\n`,
  )
  const name = (i: number): string => `u${String(i).padStart(6, '0')}`
  for (let i = 0; i < userCount; i++)
    await write(writeLdif([user(i + 10, name(i), i % 97 === 0 ? { lock: 'TRUE' } : {})]) + '\n')
  // Deterministic spread: group g holds perGroup users starting at g*stride; every 50th group nests the next one.
  const stride = Math.max(1, Math.floor(userCount / groupCount))
  for (let g = 0; g < groupCount; g++) {
    const members: string[] = []
    for (let k = 0; k < perGroup; k++) members.push(udn(name((g * stride + k * 7) % userCount)))
    if (g % 50 === 0 && g + 1 < groupCount) members.push(gdn(`grp${g + 1}`))
    await write(writeLdif([group(g + 100, `grp${g}`, members)]) + '\n')
  }
  out.end()
  await once(out, 'finish')
}

const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`
const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const list = (xs: readonly number[]): string =>
  `median ${median(xs).toFixed(0)} ms [${xs.map((x) => x.toFixed(0)).join(', ')}]`

async function main(): Promise<void> {
  const userCount = Number(process.argv[2] ?? 100_000)
  const groupCount = Number(process.argv[3] ?? 5_000)
  const perGroup = Number(process.argv[4] ?? 200)
  // Checked before the minutes of fixture generation, not after (ldapsearch is in missingLdapTools).
  const missing = [...missingLdapTools(), ...['/usr/bin/time'].filter((p) => !existsSync(p))]
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`)
  const dir = mkdtempSync(join(tmpdir(), 'grouproles-bench-'))
  const ldif = join(dir, 'bench.ldif')
  let t = performance.now()
  await writeFixture(ldif, userCount, groupCount, perGroup)
  console.log(
    `fixture: ${userCount} users, ${groupCount} groups, ~${groupCount * perGroup} memberships, generated in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  )
  t = performance.now()
  const slapd = await startSlapd({ dir: join(dir, 'slapd'), ldifFile: ldif, dynlist: false })
  console.log(`slapadd + start: ${((performance.now() - t) / 1000).toFixed(1)} s`)
  try {
    const [userSearch, groupSearch] = searches(slapd.url) as [
      ReturnType<typeof searches>[0],
      ReturnType<typeof searches>[0],
    ]
    // Warms slapd's caches for every contender.
    await ldapsearch(slapd.url, userSearch)
    await ldapsearch(slapd.url, groupSearch)
    const serial: number[] = []
    const concurrent: number[] = []
    const raw: number[] = []
    const ours: number[] = []
    let cliRss = 0
    let rawRss = 0
    let oursRss = 0
    let last: ChildResult | undefined
    for (let i = 0; i < rounds; i++) {
      const a = await ldapsearch(slapd.url, userSearch)
      const b = await ldapsearch(slapd.url, groupSearch)
      serial.push(a.ms + b.ms)
      const start = performance.now()
      const both = await Promise.all([
        ldapsearch(slapd.url, userSearch),
        ldapsearch(slapd.url, groupSearch),
      ])
      concurrent.push(performance.now() - start)
      cliRss = Math.max(cliRss, a.maxRssKb, b.maxRssKb, ...both.map((x) => x.maxRssKb))
      const r = runNodeChild('ldapts', slapd.url)
      raw.push(r.ms)
      rawRss = Math.max(rawRss, r.maxRssKb)
      last = runNodeChild('readDirectory', slapd.url)
      ours.push(last.ms)
      oursRss = Math.max(oursRss, last.maxRssKb)
    }
    console.log(
      `read: ${last?.users} users, ${last?.groups} groups, ${last?.memberships} transitive memberships, page size ${pageSize}, ${rounds} rounds`,
    )
    console.log(
      `ldapsearch, 2 searches one after another:  ${list(serial)}, max RSS ${mb(cliRss)} per process`,
    )
    console.log(`ldapsearch, 2 processes at once:           ${list(concurrent)}`)
    console.log(`ldapts alone, 2 connections, no processing: ${list(raw)}, max RSS ${mb(rawRss)}`)
    console.log(`readDirectory (2 connections):             ${list(ours)}, max RSS ${mb(oursRss)}`)
    console.log(
      `ratio readDirectory / ldapsearch at once: ${(median(ours) / median(concurrent)).toFixed(2)}x (goal <= 2x); / one after another: ${(median(ours) / median(serial)).toFixed(2)}x; ldapts alone / at once: ${(median(raw) / median(concurrent)).toFixed(2)}x`,
    )
  } finally {
    await slapd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', process.argv[4] ?? '')
else await main()
