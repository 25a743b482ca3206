/**
 * The processes a test starts (servers, workers, the CLI, stock snarkjs, and the circuit builds the service
 * forks) start without tap's process-info loader. tap puts `--import=@tapjs/processinfo/...` into each test
 * process's execArgv and NODE_OPTIONS so that every descendant is tracked for coverage; coverage is off here
 * (package.json "tap": disable-coverage), and on Node 20 that loader sends every import of a process through a
 * hooks thread. Measured on the 2-core test machine, CPU per process with it and without it: 0.68 / 0.31 s for
 * `node dist/src/cli.js --help`, 1.35 / 0.55 s for importing src/proofs, 4.4 / 2.2 s for importing the app.
 * The children are the same programs either way; only tap's bookkeeping of them goes.
 *
 * The loader comes in three ways, each undone here: the test process's NODE_OPTIONS (inherited by spawn),
 * its execArgv (passed on by fork), and a hook on every spawn that adds it back (process-on-spawn, whose
 * listeners tap's processinfo registers in a global singleton).
 *
 * Imported for its effect by the helpers that start processes (app, build, child-server, redis) and by the
 * tests that run the CLI or snarkjs themselves; idempotent.
 */
const TAP_LOADER = /@tapjs[\\/]processinfo/

/** NODE_OPTIONS split as Node reads it: whitespace-separated, double quotes group (with backslash escapes). */
function splitNodeOptions (value: string): string[] {
  const out: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g
  for (let m = re.exec(value); m != null; m = re.exec(value)) out.push(m[1] != null ? m[1].replace(/\\(.)/g, '$1') : m[2])
  return out
}

/** The arguments without tap's loader, in either form: `--import=<it>` or `--import <it>` (also --loader, -r). */
export function withoutTapLoader (args: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    if (TAP_LOADER.test(args[i]) && /^(--import|--loader|--experimental-loader|--require|-r)=/.test(args[i])) continue
    if (/^(--import|--loader|--experimental-loader|--require|-r)$/.test(args[i]) && TAP_LOADER.test(args[i + 1] ?? '')) { i++; continue }
    out.push(args[i])
  }
  return out
}

const quote = (arg: string): string => /[\s"\\]/.test(arg) ? `"${arg.replace(/(["\\])/g, '\\$1')}"` : arg

if (process.env.NODE_OPTIONS != null && TAP_LOADER.test(process.env.NODE_OPTIONS)) {
  const rest = withoutTapLoader(splitNodeOptions(process.env.NODE_OPTIONS))
  if (rest.length > 0) process.env.NODE_OPTIONS = rest.map(quote).join(' ')
  else delete process.env.NODE_OPTIONS
}
// child_process.fork() passes process.execArgv on by default (the service forks its circuit builds)
if (process.execArgv.some((a) => TAP_LOADER.test(a))) process.execArgv.splice(0, process.execArgv.length, ...withoutTapLoader(process.execArgv))
const onSpawn = (globalThis as Record<symbol, { listeners?: unknown[] } | undefined>)[Symbol.for('process-on-spawn@*:singletonId')]
onSpawn?.listeners?.splice(0)
