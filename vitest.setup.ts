import fc from 'fast-check'

// One seed for the whole run, so a red CI run can be replayed locally with FC_SEED=<seed>.
const fromEnv = process.env['FC_SEED']
const seed =
  fromEnv !== undefined && fromEnv !== ''
    ? Number(fromEnv)
    : process.env['CI']
      ? 20261122
      : Date.now()
const numRuns = process.env['FC_NUM_RUNS'] ? Number(process.env['FC_NUM_RUNS']) : 100
fc.configureGlobal({ seed, numRuns, endOnFailure: false })
if (!fromEnv) console.info(`[fast-check] seed ${seed} (replay with FC_SEED=${seed})`)
