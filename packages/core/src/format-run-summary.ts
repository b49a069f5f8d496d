import { match } from 'ts-pattern'
import type { RunSyncResult } from './run-sync.js'
import { syncCommandKinds, type HoldReason, type SyncCommandKind } from './sync-command.js'

/** What a run summary is made from: the parts of `runSync`'s result it reports. */
export type RunSummaryInput = Pick<
  RunSyncResult<unknown>,
  'dryRun' | 'plan' | 'applied' | 'safety' | 'gateReasons'
>

/** What the run result does not carry. */
export interface RunSummaryOptions {
  /** The store's run journal id, for `grouproles revert <id>`; omitted when the run has none. */
  readonly runId?: number | string
  /** Where the run ran (host, config name): shown in the heading, escaped. */
  readonly source?: string
}

// A post is capped at 16 383 characters by the server; a long list is cut well before that.
const maxListed = 20
const maxNameLength = 100

/**
 * Whether a run is worth a post: apply was asked and the run wrote, held, froze or was gated. A run
 * with nothing to do says nothing, so a service syncing every few minutes does not flood the channel.
 */
export function shouldPostRunSummary(result: RunSummaryInput): boolean {
  if (result.dryRun) return false
  return (
    (result.applied?.outcomes.length ?? 0) > 0 ||
    result.plan.held.length > 0 ||
    result.safety.frozenGroups.length > 0 ||
    result.safety.directoryGated ||
    result.gateReasons.length > 0
  )
}

/**
 * A run as Mattermost markdown: commands per kind (done, already, failed), held commands by hold
 * kind, pending removals, frozen groups, the gate, and the run id to revert. Every name from the
 * directory or the server is escaped (`escapeMattermostMarkdown`). Pure.
 */
export function formatRunSummary(result: RunSummaryInput, options: RunSummaryOptions = {}): string {
  const lines: string[] = []
  const source =
    options.source !== undefined ? ` on ${escapeMattermostMarkdown(options.source)}` : ''
  const run =
    options.runId !== undefined ? ` ${escapeMattermostMarkdown(String(options.runId))}` : ''
  lines.push(`#### grouproles run${run}${source}`)

  const outcomes = result.applied?.outcomes ?? []
  const byKind = new Map<SyncCommandKind, { done: number; already: number; failed: number }>()
  for (const o of outcomes) {
    const row = byKind.get(o.command.kind) ?? { done: 0, already: 0, failed: 0 }
    row[o.kind]++
    byKind.set(o.command.kind, row)
  }
  const failed = outcomes.filter((o) => o.kind === 'failed').length
  lines.push(
    `Applied ${outcomes.length} command${outcomes.length === 1 ? '' : 's'}` +
      (failed > 0 ? `, **${failed} failed**` : '') +
      '.',
  )
  if (outcomes.length > 0) {
    lines.push('', '| command | done | already | failed |', '|:--|--:|--:|--:|')
    for (const kind of syncCommandKinds) {
      const row = byKind.get(kind)
      if (row !== undefined)
        lines.push(`| ${kind} | ${row.done} | ${row.already} | ${row.failed} |`)
    }
    lines.push('')
  }

  const held = result.plan.held
  const byHold = new Map<HoldReason['kind'], number>()
  for (const h of held) byHold.set(h.hold.kind, (byHold.get(h.hold.kind) ?? 0) + 1)
  const pending = byHold.get('pendingRemoval') ?? 0
  const review = [...byHold].filter(([k]) => k !== 'pendingRemoval')
  if (review.length > 0) {
    const parts = review.map(([k, n]) => `${holdLabel(k)} ${n}`).join(', ')
    lines.push(`Held for review: ${held.length - pending} (${parts}).`)
  }
  if (pending > 0) {
    lines.push(`Pending removals: ${pending} (waiting out the removal grace period).`)
  }
  const frozen = result.safety.frozenGroups
  if (frozen.length > 0) {
    lines.push(`Frozen groups: ${frozen.length} (shrank past the health gate; nothing removed):`)
    for (const g of frozen.slice(0, maxListed)) {
      lines.push(`- ${escapeMattermostMarkdown(g.name)}: ${g.then} → ${g.now} members`)
    }
    if (frozen.length > maxListed) lines.push(`- … and ${frozen.length - maxListed} more`)
  }
  if (result.safety.directoryGated) {
    lines.push('Directory gate closed: the directory shrank, every removal and demotion is held.')
  }
  for (const reason of result.gateReasons.slice(0, maxListed)) {
    lines.push(`Not applied: ${escapeMattermostMarkdown(reason)}`)
  }
  if (options.runId !== undefined && outcomes.length > 0) {
    lines.push(
      `Undo: \`grouproles revert ${String(options.runId).replace(/[^0-9A-Za-z_-]/g, '')}\``,
    )
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n')
}

function holdLabel(kind: HoldReason['kind']): string {
  return match(kind)
    .with('maxRemovalFraction', () => 'removal fraction limit')
    .with('maxRemovals', () => 'removal limit')
    .with('leftToMattermost', () => "left to Mattermost's group sync")
    .with('healthGate', () => 'health gate')
    .with('lastAdmin', () => 'last admin kept')
    .with('notAdded', () => 'added by hand (drift)')
    .with('pendingRemoval', () => 'pending removal')
    .with('replicaBehind', () => 'replica behind (freshness marker went backwards)')
    .exhaustive()
}

// Control characters, line and paragraph separators, bidi overrides and isolates: they could break
// the post's layout or disguise a name.
// eslint-disable-next-line no-control-regex
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g
// Markdown punctuation, and `@` / `~` / `:` so a name cannot mention people, link a channel or
// become an emoji.
const markdown = /[\\`*_{}[\]()#+\-.!|<>~@:&]/g

/**
 * A name from the directory or the server as literal Mattermost markdown text: unsafe characters
 * become U+FFFD, markdown punctuation is backslash-escaped, and it is cut at 100 characters.
 */
export function escapeMattermostMarkdown(text: string): string {
  // Cut by code points: a surrogate pair is never split.
  const chars = Array.from(text.replace(unsafe, '\ufffd'))
  const kept =
    chars.length > maxNameLength ? `${chars.slice(0, maxNameLength).join('')}…` : chars.join('')
  return kept.replace(markdown, (c) => `\\${c}`)
}
