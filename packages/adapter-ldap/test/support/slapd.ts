import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Client } from 'ldapts'
import { rootDn, rootPassword, suffix } from './freeipa-fixture.js'

export const slapdBinary = '/usr/sbin/slapd'

/** Which server binaries are missing on this machine (empty = all there). */
export function missingLdapTools(): string[] {
  return [
    slapdBinary,
    '/usr/sbin/slapadd',
    '/usr/sbin/slaptest',
    '/usr/bin/openssl',
    // The LDIF round trip runs the real CLI (ldap-utils).
    '/usr/bin/ldapsearch',
    '/usr/lib/ldap/back_mdb.so',
    '/usr/lib/ldap/dynlist.so',
  ].filter((p) => !existsSync(p))
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      s.close(() => {
        resolve(port)
      })
    })
  })
}

const miniSchema = `attributetype ( 1.3.6.1.1.1.1.2 NAME 'gecos' EQUALITY caseIgnoreIA5Match SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )
attributetype ( 1.3.6.1.1.1.1.3 NAME 'homeDirectory' EQUALITY caseExactIA5Match SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )
attributetype ( 1.3.6.1.1.1.1.4 NAME 'loginShell' EQUALITY caseExactIA5Match SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )
attributetype ( 1.3.6.1.1.1.1.12 NAME 'memberUid' EQUALITY caseExactIA5Match SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )
objectclass ( 1.3.6.1.1.1.2.0 NAME 'posixAccount' SUP top AUXILIARY
  MUST ( cn $ uid $ uidNumber $ gidNumber $ homeDirectory ) MAY ( userPassword $ loginShell $ gecos $ description ) )
objectclass ( 1.3.6.1.1.1.2.2 NAME 'posixGroup' SUP top AUXILIARY MUST gidNumber MAY ( userPassword $ memberUid $ description ) )
attributetype ( 2.16.840.1.113730.3.1.610 NAME 'nsAccountLock' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 2.16.840.1.113730.3.1.692 NAME 'inetUserStatus' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 2.16.840.1.113730.3.2.130 NAME 'inetUser' SUP top AUXILIARY MAY ( uid $ inetUserStatus $ userPassword $ nsAccountLock ) )
objectclass ( 2.16.840.1.113730.3.2.104 NAME 'nsContainer' SUP top STRUCTURAL MUST cn )
attributetype ( 2.16.840.1.113730.3.8.3.1 NAME 'ipaUniqueID' EQUALITY caseIgnoreMatch ORDERING caseIgnoreOrderingMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.16.840.1.113730.3.8.23.1 NAME 'memberManager' SUP distinguishedName EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 2.16.840.1.113730.3.8.11.1 NAME 'ipaExternalMember' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 2.16.840.1.113730.3.8.11.31 NAME 'ipaSshPubKey' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )
attributetype ( 2.16.840.1.113719.1.301.4.1.1 NAME 'krbPrincipalName' EQUALITY caseExactIA5Match SUBSTR caseExactSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )
objectclass ( 2.16.840.1.113730.3.8.4.12 NAME 'ipaObject' SUP top AUXILIARY MUST ipaUniqueID )
objectclass ( 2.16.840.1.113730.3.8.4.3 NAME 'nestedGroup' SUP groupOfNames STRUCTURAL )
objectclass ( 2.16.840.1.113730.3.8.4.4 NAME 'ipaUserGroup' SUP nestedGroup STRUCTURAL MAY memberManager )
objectclass ( 2.16.840.1.113730.3.8.12.1 NAME 'ipaExternalGroup' SUP top AUXILIARY MAY ( ipaExternalMember $ description $ owner ) )
objectclass ( 2.16.840.1.113730.3.8.12.11 NAME 'ipaSshGroupOfPubKeys' SUP top AUXILIARY MAY ipaSshPubKey )
objectclass ( 2.16.840.1.113730.3.8.12.12 NAME 'ipaSshUser' SUP top AUXILIARY MAY ipaSshPubKey )
objectclass ( 2.16.840.1.113719.1.301.6.8.1 NAME 'krbPrincipalAux' SUP top AUXILIARY MAY krbPrincipalName )
objectclass ( 2.16.840.1.113719.1.301.6.16.1 NAME 'krbTicketPolicyAux' SUP top AUXILIARY )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.653 NAME 'managedBy' SUP distinguishedName EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP top AUXILIARY MAY ( sAMAccountName $ objectGUID $ userAccountControl ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' SUP top AUXILIARY MAY ( sAMAccountName $ objectGUID $ managedBy ) )
objectclass ( 1.2.840.113556.1.3.30 NAME 'computer' SUP top AUXILIARY )
`

export interface SlapdOptions {
  readonly dir: string
  /** LDIF file to slapadd before the start. */
  readonly ldifFile: string
  /** `sizelimit` line; default lets paged searches go past 500 for a normal bind DN. */
  readonly sizeLimit?: string
  readonly dynlist?: boolean
  /** Reuse this key/cert instead of generating one. */
  readonly certFrom?: { key: string; cert: string }
}

export interface Slapd {
  readonly url: string
  readonly ldapsUrl: string
  readonly caPem: string
  readonly pid: number
  readonly dir: string
  readonly process: ChildProcess
  stop(): Promise<void>
}

/** Makes a self-signed certificate for 127.0.0.1 (IP SAN) and localhost; returns its paths. */
export function makeCertificate(dir: string, name = 'server'): { key: string; cert: string } {
  const key = join(dir, `${name}-key.pem`)
  const cert = join(dir, `${name}-cert.pem`)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  return { key, cert }
}

/** Writes config + schema, slapadds the LDIF and runs `slapd -d 0` as a child on random ports. */
export async function startSlapd(options: SlapdOptions): Promise<Slapd> {
  const { dir } = options
  mkdirSync(join(dir, 'db'), { recursive: true })
  // FreeIPA/389 allow member-less groupOfNames; OpenLDAP's core.schema has MUST member.
  const core = readFileSync('/etc/ldap/schema/core.schema', 'utf8').replace(
    /(NAME 'groupOfNames'[\s\S]*?)MUST \( member \$ cn \)([\s\S]*?)MAY \( businessCategory/,
    '$1MUST cn$2MAY ( member $$ businessCategory',
  )
  writeFileSync(join(dir, 'core.schema'), core)
  writeFileSync(join(dir, 'freeipa-mini.schema'), miniSchema)
  const tls = options.certFrom ?? makeCertificate(dir)
  const conf = [
    `include ${join(dir, 'core.schema')}`,
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/dyngroup.schema',
    `include ${join(dir, 'freeipa-mini.schema')}`,
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload dynlist',
    // syncprov maintains the suffix's contextCSN (the freshness marker a run reads).
    'moduleload syncprov',
    options.sizeLimit ?? 'sizelimit size.soft=500 size.hard=500 size.prtotal=unlimited',
    `TLSCertificateFile ${tls.cert}`,
    `TLSCertificateKeyFile ${tls.key}`,
    'database mdb',
    `suffix "${suffix}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${join(dir, 'db')}`,
    'maxsize 4294967296',
    'index objectClass eq',
    'index uid,mail,cn eq,sub',
    'index member,memberManager eq',
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by users read by anonymous auth',
    ...(options.dynlist === false
      ? []
      : ['overlay dynlist', 'dynlist-attrset groupOfURLs memberURL member+memberOf@groupOfNames*']),
    'overlay syncprov',
  ].join('\n')
  const confFile = join(dir, 'slapd.conf')
  writeFileSync(confFile, `${conf}\n`)
  execFileSync('/usr/sbin/slaptest', ['-Q', '-u', '-f', confFile], { stdio: 'pipe' })
  execFileSync('/usr/sbin/slapadd', ['-q', '-w', '-f', confFile, '-l', options.ldifFile], {
    stdio: 'pipe',
  })
  const port = await freePort()
  const tlsPort = await freePort()
  const url = `ldap://127.0.0.1:${port}`
  const ldapsUrl = `ldaps://127.0.0.1:${tlsPort}`
  const child = spawn(slapdBinary, ['-d', '0', '-f', confFile, '-h', `${url}/ ${ldapsUrl}/`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve()
    })
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(t)
    }
  }
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`slapd exited at start: ${stderr}`)
    const c = new Client({ url, connectTimeout: 500, timeout: 1_000 })
    try {
      await c.search('', { scope: 'base', attributes: ['namingContexts'] })
      break
    } catch (e) {
      if (i > 200) {
        await stop()
        throw new Error(`slapd did not answer: ${String(e)} ${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 25))
    } finally {
      await c.unbind().catch(() => undefined)
    }
  }
  return {
    url,
    ldapsUrl,
    caPem: readFileSync(tls.cert, 'utf8'),
    pid: child.pid ?? -1,
    dir,
    process: child,
    stop,
  }
}
