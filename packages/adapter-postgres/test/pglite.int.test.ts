import { PGlite } from '@electric-sql/pglite'
import { fromPglite } from '../src/index.js'
import { describeContract } from './contract.js'

describeContract({
  name: 'PGlite (in-process)',
  connect: async () => {
    const db = await PGlite.create()
    return { client: fromPglite(db), close: () => db.close() }
  },
})
