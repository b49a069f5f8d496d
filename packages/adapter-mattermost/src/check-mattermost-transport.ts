import { isLoopbackHost, redactUrls } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'

/** A Mattermost URL the client refuses before any request: malformed, or a token sent in clear. */
export type MattermostTransportError =
  | { readonly kind: 'invalidUrl'; readonly message: string }
  /** `http://` to a host other than this machine: the token would cross the network in clear. */
  | { readonly kind: 'insecureTransport'; readonly message: string; readonly url: string }

/**
 * Checks the URL a client is built with: `https://` anywhere, `http://` only to this machine
 * (127.0.0.0/8, `::1`, `localhost`), unless `insecure` is set: then `http://` to another host comes
 * back as the one warning to print or log (`undefined` when there is nothing to warn about). URLs
 * in messages have their user info redacted.
 */
export function checkMattermostTransport(
  url: string,
  options: { readonly insecure?: boolean } = {},
): Result<string | undefined, MattermostTransportError> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return err({ kind: 'invalidUrl', message: 'not a URL (expected https://host[:port][/path])' })
  }
  const shown = redactUrls(url)
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return err({
      kind: 'invalidUrl',
      message: `${shown}: expected an https:// (or http:// to this machine) URL`,
    })
  if (parsed.protocol === 'https:' || isLoopbackHost(parsed.hostname)) return ok(undefined)
  if (options.insecure === true)
    return ok(
      `insecure Mattermost transport allowed by insecure: the token goes to ${shown} in clear text over http://`,
    )
  return err({
    kind: 'insecureTransport',
    url: shown,
    message: `refusing to send the token to ${shown} in clear text: use https:// (http:// is only for 127.0.0.1, ::1 or localhost), or set insecure only for a lab`,
  })
}
