import {
  formatRunSummary,
  redactUrls,
  shouldPostRunSummary,
  type RunSummaryInput,
} from '@grouproles/core'
import type { MattermostClient } from '@grouproles/adapter-mattermost'
import type { PostgresClient } from '@grouproles/adapter-postgres'
import { err, ok, type Result } from 'neverthrow'
import { badInput, messageOf, type CliError } from './cli-error.js'
import type { GroupRolesConfig } from './config/read-config.js'
import { flagVariable } from './open-groups.js'

/** A run summary that could not be posted: a warning, never a failed run. */
export interface NotifyWarning {
  readonly kind: 'notifyFailed'
  /** What failed: finding the channel or posting to it. */
  readonly step: 'channel' | 'post'
  /** The client's error kind and HTTP status, when there was one. */
  readonly cause: { readonly kind: string; readonly status?: number }
  readonly message: string
}

/** What a notify attempt did. */
export type NotifyOutcome =
  | { readonly kind: 'posted'; readonly postId: string }
  /** Nothing to report (a dry run, or nothing applied, held, frozen or gated). */
  | { readonly kind: 'skipped' }
  | NotifyWarning

/** Posts run summaries to the config's `notify` channel. */
export interface RunNotifier {
  readonly where: string
  notify(result: RunSummaryInput, options?: { readonly runId?: number }): Promise<NotifyOutcome>
}

/**
 * The notifier of `config.notify`, or undefined without one. It posts through the REST API with
 * `GROUPROLES_NOTIFY_URL` + `GROUPROLES_NOTIFY_TOKEN` (e.g. a bot in that channel), else the REST
 * target's `MATTERMOST_URL` + `MATTERMOST_TOKEN`. With the database target neither may be set:
 * that is a config error, found before anything runs.
 */
export async function openNotifier(
  config: GroupRolesConfig,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Result<RunNotifier | undefined, CliError>> {
  const notify = config.notify
  if (notify === undefined) return ok(undefined)
  // Its own URL and token (any target), else the REST target's.
  const own = nonEmpty(env['GROUPROLES_NOTIFY_URL']) !== undefined
  const [urlVar, tokenVar] = own
    ? ['GROUPROLES_NOTIFY_URL', 'GROUPROLES_NOTIFY_TOKEN']
    : ['MATTERMOST_URL', 'MATTERMOST_TOKEN']
  const url = nonEmpty(env[urlVar])
  const token = nonEmpty(env[tokenVar])
  if (url === undefined || token === undefined)
    return err(
      badInput(
        'invalidConfig',
        own
          ? 'notify: GROUPROLES_NOTIFY_URL is set but GROUPROLES_NOTIFY_TOKEN is not'
          : 'notify: a run summary is posted through the REST API; with the database target set GROUPROLES_NOTIFY_URL and GROUPROLES_NOTIFY_TOKEN (a token whose user may post in the channel)',
      ),
    )
  const insecureVar = flagVariable(env, 'MATTERMOST_INSECURE')
  if (insecureVar.isErr()) return err(insecureVar.error)
  const insecure = insecureVar.value ?? config.mattermost.insecure ?? false
  const mattermost = await import('@grouproles/adapter-mattermost')
  const transport = mattermost.checkMattermostTransport(url, { insecure })
  if (transport.isErr())
    return err(badInput('invalidConfig', `notify: ${urlVar}: ${transport.error.message}`))
  let client: MattermostClient
  try {
    // A post is small and a summary is not worth a long wait: few attempts, a short timeout.
    client = mattermost.createMattermostClient({
      url,
      token,
      insecure,
      timeoutMs: 10_000,
      maxAttempts: 3,
    })
  } catch (e) {
    return err(badInput('invalidConfig', `notify: ${redactUrls(messageOf(e))}`))
  }
  return ok(notifierFor(client, notify))
}

/** A notifier posting with `client` to `notify`'s channel (found by name on every post). */
export function notifierFor(
  client: Pick<MattermostClient, 'getChannelByNames' | 'createPost'>,
  notify: { readonly team: string; readonly channel: string },
): RunNotifier {
  const where = `~${notify.channel} of team ${notify.team}`
  return {
    where,
    async notify(result, options = {}) {
      if (!shouldPostRunSummary(result)) return { kind: 'skipped' }
      const channel = await client.getChannelByNames(notify.team, notify.channel)
      if (channel.isErr())
        return warning('channel', channel.error, `cannot find the notify channel ${where}`)
      const text = formatRunSummary(
        result,
        options.runId !== undefined ? { runId: options.runId } : {},
      )
      const posted = await client.createPost(channel.value.id, text)
      if (posted.isErr())
        return warning('post', posted.error, `cannot post the run summary to ${where}`)
      return { kind: 'posted', postId: posted.value.id }
    },
  }
}

function warning(
  step: NotifyWarning['step'],
  e: { readonly kind: string; readonly message: string; readonly status?: number },
  what: string,
): NotifyWarning {
  // A 404 for the channel is also what a token that may not read it gets.
  const hint =
    e.status === 403
      ? ' (the token may not post there: add its user to the channel)'
      : e.status === 404
        ? ' (no such channel, or the token may not read it)'
        : ''
  return {
    kind: 'notifyFailed',
    step,
    cause: { kind: e.kind, ...(e.status !== undefined ? { status: e.status } : {}) },
    message: `${what}: ${e.message}${hint}; the run itself is unaffected`,
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v
}

/**
 * The newest run in the store's journal (the REST store, or Mattermost's database), or undefined
 * when there is none or no journal. A run's id is the newest after it that was not there before.
 */
export async function newestRunId(client: PostgresClient | undefined): Promise<number | undefined> {
  if (client === undefined) return undefined
  const { listRuns } = await import('@grouproles/adapter-postgres')
  const runs = await listRuns(client, { limit: 1 })
  return runs.isOk() ? runs.value[0]?.id : undefined
}

/** The run journalled since `before` (the newest id then), for `revert`; undefined if none. */
export async function runIdSince(
  client: PostgresClient | undefined,
  before: number | undefined,
): Promise<number | undefined> {
  const newest = await newestRunId(client)
  return newest !== undefined && newest > (before ?? 0) ? newest : undefined
}
