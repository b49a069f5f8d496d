import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { emptyState, planSync, type RunSummaryInput, type SyncState } from '@grouproles/core'
import { createMattermostClient } from '@grouproles/adapter-mattermost'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import { readConfig, type GroupRolesConfig } from '../src/config/read-config.js'
import { notifierFor, openNotifier } from '../src/notify-run.js'
import { assets, tempDir } from './support/cli.js'

const demoState = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState
const rl = demoState.teams.find((t) => t.name === 'rl')
const town = demoState.channels.find((c) => c.teamId === rl?.id && c.name === 'town-square')

function configWith(extra: Record<string, unknown>): GroupRolesConfig {
  const cwd = tempDir()
  const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as object
  writeFileSync(join(cwd, 'grouproles.json'), JSON.stringify({ ...config, ...extra }))
  return readConfig('grouproles.json', cwd)._unsafeUnwrap()
}

const base = planSync(emptyState)
const done = {
  kind: 'done' as const,
  command: { kind: 'addTeamMember' as const, teamId: 't', userId: 'u', role: 'member' as const },
}
function run(extra: Partial<RunSummaryInput> = {}): RunSummaryInput {
  return {
    dryRun: false,
    plan: base,
    applied: { outcomes: [done, done], counts: base.stats.commands },
    safety: { frozenGroups: [], directoryGated: false, counted: true },
    gateReasons: [],
    ...extra,
  }
}

describe('run summaries in Mattermost (notify)', () => {
  let fake: FakeMattermost
  beforeAll(async () => {
    fake = await FakeMattermost.start()
  })
  afterEach(() => {
    fake.counts.clear()
    fake.clearFaults()
    fake.resetSettings()
  })
  afterAll(async () => {
    await fake.close()
  })
  const client = () =>
    createMattermostClient({ url: fake.url, token: fake.token, baseDelayMs: 1, maxDelayMs: 5 })
  const notifier = () => notifierFor(client(), { team: 'rl', channel: 'town-square' })

  it('should post exactly one summary with the counts of an applied run, and the run id', async () => {
    fake.seed(demoState)

    const outcome = await notifier().notify(run(), { runId: 17 })

    expect(outcome.kind).toBe('posted')
    expect(fake.posts).toHaveLength(1)
    const post = fake.posts[0]
    expect(post?.channel_id).toBe(town?.id)
    expect(post?.message).toContain('#### grouproles run 17')
    expect(post?.message).toContain('| addTeamMember | 2 | 0 | 0 |')
    expect(post?.message).toContain('grouproles revert 17')
    expect(fake.count('CreatePost')).toBe(1)
  })

  it('should post nothing for a dry run or a run with nothing applied, held, frozen or gated', async () => {
    fake.seed(demoState)

    const dry = await notifier().notify(run({ dryRun: true }))
    const quiet = await notifier().notify(
      run({ applied: { outcomes: [], counts: base.stats.commands } }),
    )

    expect([dry.kind, quiet.kind]).toEqual(['skipped', 'skipped'])
    expect(fake.posts).toEqual([])
    expect(fake.count('GetChannelByNameForTeamName')).toBe(0)
  })

  it.each([
    [
      '403: the token may read the public channel but is not in it',
      () => {
        // carol is on team rl but not in its town-square (the demo's data).
        fake.configure({
          caller: { id: 'carol000000000000000000000', readAllChannels: false, manageSystem: false },
        })
      },
      { step: 'post', cause: { kind: 'http', status: 403 } },
    ],
    [
      '404: the token may not read the channel',
      () => {
        fake.configure({
          caller: { id: 'nobodyhere0000000000000000', readAllChannels: false, manageSystem: false },
        })
      },
      { step: 'channel', cause: { kind: 'http', status: 404 } },
    ],
    [
      '500 on the post',
      () => {
        fake.failNext(
          { kind: 'serverError', status: 500 },
          1,
          (m, p) => m === 'POST' && p.endsWith('/posts'),
        )
      },
      { step: 'post', cause: { kind: 'http', status: 500 } },
    ],
  ] as const)('should give a typed warning, never an error, on %s', async (_, setup, expected) => {
    fake.seed(demoState)
    setup()

    const outcome = await notifier().notify(run())

    expect(outcome).toMatchObject({ kind: 'notifyFailed', ...expected })
    expect(fake.posts).toEqual([])
  })

  it('should warn when the channel does not exist', async () => {
    fake.seed(demoState)

    const outcome = await notifierFor(client(), { team: 'rl', channel: 'no-such' }).notify(run())

    expect(outcome).toMatchObject({ kind: 'notifyFailed', step: 'channel' })
    expect(outcome.kind === 'notifyFailed' ? outcome.message : '').toContain('~no-such of team rl')
  })

  it('should let a channel member without system rights post (a bot in the channel)', async () => {
    fake.seed(demoState)
    const member = [...(fake.channelMembers.get(town?.id ?? '')?.keys() ?? [])][0] ?? ''
    fake.configure({ caller: { id: member, readAllChannels: false, manageSystem: false } })

    const outcome = await notifier().notify(run())

    expect(outcome.kind).toBe('posted')
    expect(fake.posts.map((p) => p.user_id)).toEqual([member])
  })

  it('should refuse notify with the database target and no notify URL and token (a config error)', async () => {
    const config = configWith({ notify: { team: 'rl', channel: 'town-square' } })

    const none = await openNotifier(config, { DATABASE_URL: 'postgres://db/mm' })
    const half = await openNotifier(config, { GROUPROLES_NOTIFY_URL: fake.url })
    const own = await openNotifier(config, {
      DATABASE_URL: 'postgres://db/mm',
      GROUPROLES_NOTIFY_URL: fake.url,
      GROUPROLES_NOTIFY_TOKEN: fake.token,
    })
    const off = await openNotifier(configWith({}), {})

    expect(none._unsafeUnwrapErr().message).toContain(
      'GROUPROLES_NOTIFY_URL and GROUPROLES_NOTIFY_TOKEN',
    )
    expect(half._unsafeUnwrapErr().message).toContain('GROUPROLES_NOTIFY_TOKEN is not')
    expect(own._unsafeUnwrap()?.where).toBe('~town-square of team rl')
    expect(off._unsafeUnwrap()).toBeUndefined()
  })

  it('should refuse a notify channel that is not a URL name in the config', () => {
    const cwd = tempDir()
    const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as object
    writeFileSync(
      join(cwd, 'grouproles.json'),
      JSON.stringify({ ...config, notify: { team: 'rl', channel: 'Town Square' } }),
    )

    const read = readConfig('grouproles.json', cwd)

    expect(read._unsafeUnwrapErr().message).toContain('notify.channel')
  })
})
