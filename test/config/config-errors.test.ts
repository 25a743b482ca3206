/**
 * A configuration the service refuses says which variable, what it accepts and what it got (a new user's report: a bad
 * PROOF_SYSTEM printed "must be equal to constant" once per allowed value).
 */
import t from 'tap'
import { loadConfig } from '../../src/config.js'

t.test('a choice names its values and what was given', async (t) => {
  t.throws(() => loadConfig({ PROOF_SYSTEM: 'foo' }), { message: "invalid configuration: PROOF_SYSTEM must be one of groth16, plonk (got 'foo')" })
  t.throws(() => loadConfig({ ROLE: 'boss' }), { message: "invalid configuration: ROLE must be one of all, api, worker (got 'boss')" })
})

t.test('several bad variables are each named once', async (t) => {
  const err = t.throws(() => loadConfig({ LOG_LEVEL: 'loud', PROOF_SYSTEM: 'foo' })) as Error
  t.match(err.message, /^invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got 'loud'\); PROOF_SYSTEM must be one of/)
  t.notMatch(err.message, /equal to constant|anyOf/)
})

t.test('bounds and types keep their own words', async (t) => {
  t.throws(() => loadConfig({ PORT: '70000' }), { message: 'invalid configuration: PORT must be <= 65535' })
  t.throws(() => loadConfig({ PORT: 'abc' }), { message: 'invalid configuration: PORT must be integer' })
  t.equal(loadConfig({ PORT: '8080', PROOF_SYSTEM: 'plonk' }).PROOF_SYSTEM, 'plonk')
})
