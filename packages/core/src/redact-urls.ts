// `scheme://` then an authority up to its last `@` (WHATWG parsers split user info off at the last
// one too, so `p@ss` in a password is covered). No `/`, `?`, `#` or space before that `@`.
const userInfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*(?:@[^/?#\s@]*)*@/gi

/**
 * Hides the user info (`user:password@`) of every URL in `text`: `ldap://u:p@host` becomes
 * `ldap://***@host`. For anything printed or logged that may hold a URL a person configured;
 * text without user info is returned unchanged.
 */
export function redactUrls(text: string): string {
  return text.replace(userInfo, '$1***@')
}

/**
 * Whether a URL's host is this machine: `localhost` (and `*.localhost`), 127.0.0.0/8 or `::1`
 * (also written as an IPv4-mapped loopback). Takes `URL.hostname` as is (IPv6 in brackets).
 * Credentials sent there never cross a network, so a plain-text transport is acceptable.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (/^127(\.\d{1,3}){3}$/.test(host)) return host.split('.').every((p) => Number(p) <= 255)
  if (host === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(host)) return true
  // WHATWG serialises ::ffff:127.0.0.1 as ::ffff:7f00:1 (any 127.x.y.z is 7fxx:xxxx).
  return /^::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|127(\.\d{1,3}){3})$/.test(host)
}
