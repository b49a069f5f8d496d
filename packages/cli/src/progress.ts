import type { RunSyncEvent } from '@grouproles/core'
import type { Io } from './io.js'

/**
 * Progress on stderr for long loads and applies: one line rewritten in place on a terminal, plain
 * lines otherwise, nothing with `--json` (stdout then holds one JSON document, stderr stays quiet).
 */
export function progressReporter(
  io: Io,
  json: boolean,
): { readonly onProgress: (event: RunSyncEvent) => void; readonly done: () => void } {
  if (json) return { onProgress: () => undefined, done: () => undefined }
  let live = false
  const say = (text: string): void => {
    if (io.stderrIsTty) {
      io.errRaw(`\r\x1b[2K${text}`)
      live = true
    } else io.err(text)
  }
  return {
    onProgress: (e) => {
      const text = describeEvent(e)
      if (text !== undefined) say(text)
    },
    done: () => {
      if (live) io.errRaw('\r\x1b[2K')
      live = false
    },
  }
}

function describeEvent(e: RunSyncEvent): string | undefined {
  switch (e.kind) {
    case 'loading':
      return 'loading the directory and Mattermost…'
    case 'loaded':
      return `loaded ${e.users} users and ${e.groups} groups; planning…`
    case 'planned':
      return `planned ${e.commands} changes (${e.held} held)`
    case 'gateClosed':
      return `gate closed: ${e.reasons.join('; ')}`
    case 'applying':
      return `applying ${e.commands} changes…`
    case 'applied':
      return `applied: ${e.done} done, ${e.failed} failed; verifying…`
    case 'verifying':
      return undefined
    case 'verified':
      return `verified: ${e.converged ? 'converged' : `${e.remaining} changes remain`}`
  }
}
