// Reads 100k users + 5k groups (1M memberships) from a throwaway slapd with readDirectory and with
// the ldapsearch CLI (same bases, filters, attributes, page size). Run:
//   node --expose-gc --conditions=@grouproles/source --import tsx bench/read.bench.ts [users] [groups] [membersPerGroup]
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
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

const userCount = Number(process.argv[2] ?? 100_000)
const groupCount = Number(process.argv[3] ?? 5_000)
const perGroup = Number(process.argv[4] ?? 200)
const pageSize = 1_000
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3)

async function writeFixture(file: string): Promise<void> {
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

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

async function main(): Promise<void> {
  const missing = missingLdapTools()
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')}`)
  const dir = mkdtempSync(join(tmpdir(), 'grouproles-bench-'))
  const ldif = join(dir, 'bench.ldif')
  let t = performance.now()
  await writeFixture(ldif)
  console.log(
    `fixture: ${userCount} users, ${groupCount} groups, ~${userCount && groupCount * perGroup} memberships, generated in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  )
  t = performance.now()
  const slapd = await startSlapd({ dir: join(dir, 'slapd'), ldifFile: ldif, dynlist: false })
  console.log(`slapadd + start: ${((performance.now() - t) / 1000).toFixed(1)} s`)
  try {
    const config: LdapDirectoryConfig = {
      url: slapd.url,
      bindDn,
      password: bindPassword,
      preset: 'freeipa',
      baseDn: suffix,
      pageSize,
      timeoutMs: 120_000,
    }
    const c = resolveLdapConfig(config)._unsafeUnwrap()
    const userAttrs = [
      c.attributes.username,
      c.attributes.userId,
      c.attributes.email,
      'nsAccountLock',
    ]
    const groupAttrs = [
      c.attributes.groupName,
      c.attributes.groupId,
      ...c.attributes.member,
      'ipaExternalMember',
    ]
    const ldapsearch = (): { ms: number; maxRssKb: number } => {
      let ms = 0
      let maxRssKb = 0
      for (const [base, filter, attrs] of [
        [c.usersDn, c.userFilter, userAttrs],
        [c.groupsDn, c.groupFilter, groupAttrs],
      ] as const) {
        const start = performance.now()
        const r = spawnSync(
          '/usr/bin/time',
          [
            '-f',
            '%M',
            'ldapsearch',
            '-x',
            '-LLL',
            '-H',
            slapd.url,
            '-D',
            bindDn,
            '-w',
            bindPassword,
            '-b',
            base,
            '-E',
            `pr=${pageSize}/noprompt`,
            filter,
            ...attrs,
          ],
          {
            stdio: ['ignore', 'ignore', 'pipe'],
            maxBuffer: 1 << 26,
          },
        )
        ms += performance.now() - start
        if (r.status !== 0) throw new Error(`ldapsearch failed: ${r.stderr.toString()}`)
        maxRssKb = Math.max(maxRssKb, Number(r.stderr.toString().trim().split('\n').pop()))
      }
      return { ms, maxRssKb }
    }
    // The floor: ldapts alone, same two paged searches, entries counted and dropped.
    const rawLdapts = async (): Promise<number> => {
      const client = new Client({ url: slapd.url })
      const start = performance.now()
      let n = 0
      try {
        await client.bind(bindDn, bindPassword)
        for (const [base, filter, attributes] of [
          [c.usersDn, c.userFilter, userAttrs],
          [c.groupsDn, c.groupFilter, groupAttrs],
        ] as const)
          for await (const page of client.searchPaginated(base, {
            filter,
            attributes: [...attributes],
            paged: { pageSize },
          }))
            n += page.searchEntries.length
      } finally {
        await client.unbind()
      }
      if (n === 0) throw new Error('raw ldapts read nothing')
      return performance.now() - start
    }
    const ours = async (): Promise<{
      ms: number
      peakRss: number
      heapAfter: number
      users: number
      groups: number
      memberships: number
    }> => {
      globalThis.gc?.()
      let peakRss = process.memoryUsage().rss
      const sampler = setInterval(
        () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
        20,
      )
      const start = performance.now()
      const r = await readDirectory(config)
      const ms = performance.now() - start
      clearInterval(sampler)
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
      if (r.isErr()) throw new Error(`${r.error.kind}: ${r.error.message}`)
      const s = r.value
      globalThis.gc?.()
      const heapAfter = process.memoryUsage().heapUsed
      return {
        ms,
        peakRss,
        heapAfter,
        users: s.users.length,
        groups: s.groups.length,
        memberships: s.groups.reduce((n, g) => n + g.memberUsernames.length, 0),
      }
    }
    ldapsearch() // warm slapd's caches for both contenders
    const cli: number[] = []
    const js: number[] = []
    let cliRss = 0
    let jsRss = 0
    const raw: number[] = []
    let last: Awaited<ReturnType<typeof ours>> | undefined
    for (let i = 0; i < rounds; i++) {
      const a = ldapsearch()
      cli.push(a.ms)
      cliRss = Math.max(cliRss, a.maxRssKb * 1024)
      raw.push(await rawLdapts())
      last = await ours()
      js.push(last.ms)
      jsRss = Math.max(jsRss, last.peakRss)
    }
    console.log(
      `read: ${last?.users} users, ${last?.groups} groups, ${last?.memberships} transitive memberships, page size ${pageSize}`,
    )
    console.log(
      `ldapsearch (2 searches, -LLL > /dev/null): median ${median(cli).toFixed(0)} ms [${cli.map((x) => x.toFixed(0)).join(', ')}], max RSS ${mb(cliRss)}`,
    )
    console.log(
      `readDirectory:                            median ${median(js).toFixed(0)} ms [${js.map((x) => x.toFixed(0)).join(', ')}], peak RSS ${mb(jsRss)}, heap after gc ${mb(last?.heapAfter ?? 0)}`,
    )
    console.log(
      `ldapts alone (same 2 searches, no processing): median ${median(raw).toFixed(0)} ms [${raw.map((x) => x.toFixed(0)).join(', ')}]`,
    )
    console.log(
      `ratio readDirectory / ldapsearch: ${(median(js) / median(cli)).toFixed(2)}x (goal <= 2x)`,
    )
  } finally {
    await slapd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
