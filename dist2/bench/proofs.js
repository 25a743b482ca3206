/**
 * Proof benchmark: node dist/bench/proofs.js [--n 20] [--systems groth16,plonk] [--onnx file]
 * (bench/run.ts calls benchProofs).
 *
 * For each proof system, on the same artifacts in the same run: constraints (and PLONK gates),
 * compile and setup time, prove p50/p95 in-process warm (prove.ts: cached witness calculator and
 * parsed proving key), through the prover pool (worker thread), with stock snarkjs in-process
 * (fullProve from the files each call) and with the stock snarkjs CLI (`snarkjs <system> fullprove`,
 * a new process per proof), verify time and proof size. Prints a markdown table with ratios.
 *
 * Uses PTAU_FILE when set, else the INSECURE development ptau cache (made on first use: 2^12 for
 * Groth16 ~1.5-4 min, 2^13 for PLONK ~3-8 min on 2 busy cores); the committed 2^12 test fixture
 * is reused when it fits.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as snarkjs from 'snarkjs';
import { evaluatePlan, quantizeInputs } from '../src/proofs/evaluate.js';
import { AAVE_LIKE_SCALER, buildMlpOnnx, randomLayers, rng } from '../test/helpers/mlp-onnx.js';
import { prove } from '../src/proofs/prove.js';
import { loadProver, releaseProvers } from '../src/proofs/prover-cache.js';
import { ProverPool } from '../src/proofs/prover-pool.js';
import { buildCircuit, defaultPtauCacheDir } from '../src/proofs/setup.js';
import { devPtauName } from '../src/proofs/ptau.js';
import { circuitInput } from '../src/proofs/signals.js';
import { verifyProofTimed } from '../src/proofs/verify.js';
const require = createRequire(import.meta.url);
const run = promisify(execFile);
const fixturePtau = new URL('../../models/ptau/INSECURE-dev-pot12.ptau', import.meta.url).pathname;
function pct(xs, p) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
}
const SERVICE_NET = [10, 32, 16, 1];
/** Fits the committed 2^12 development ptau as a PLONK circuit (the service's net needs 2^13). */
const SMALL_NET = [10, 8, 4, 1];
/** A ptau of at least 2^13 (PTAU_FILE, or a development file already in the cache), without making one. */
export function hasPlonkPtau() {
    if ((process.env.PTAU_FILE ?? '') !== '')
        return true;
    return [13, 14, 15, 16, 17, 18].some((p) => existsSync(path.join(defaultPtauCacheDir(), devPtauName(p))));
}
/**
 * Groth16 (and PLONK) on the service's network; PLONK on a smaller one unless a big enough ptau is
 * at hand (`plonkServiceNet`), since making a 2^13 development ptau takes minutes.
 */
export async function benchProofs(options) {
    const N = options.n;
    const systems = options.systems;
    const netOf = (system) => (system === 'plonk' && options.plonkServiceNet !== true ? SMALL_NET : SERVICE_NET);
    const onnxOf = (system) => options.onnx ?? buildMlpOnnx({ layers: randomLayers(netOf(system), 1), scaler: AAVE_LIKE_SCALER, metadata: { threshold: '0.5' } });
    const g = rng(42);
    const { min, max } = AAVE_LIKE_SCALER;
    const rows = Array.from({ length: N }, () => min.map((m, i) => (max[i] === m ? m : m + (max[i] - m) * g())));
    const work = mkdtempSync(path.join(os.tmpdir(), 'zkp-bench-'));
    const logger = { info: (m) => console.error(m), warn: (m) => console.error(`WARNING: ${m}`) };
    const results = [];
    const cli = path.join(path.dirname(require.resolve('snarkjs')), 'cli.cjs');
    try {
        for (const system of systems) {
            console.error(`== ${system}: building`);
            const art = await buildCircuit({ onnx: onnxOf(system), outDir: path.join(work, system), proofSystem: system, devPtauCandidates: [fixturePtau], logger });
            const prover = await loadProver(art.dir);
            const row = {
                system,
                constraints: art.constraints,
                gates: art.plonkGates,
                power: art.meta.power,
                compileS: art.meta.timings.compileMs / 1000,
                setupS: art.meta.timings.setupMs / 1000,
                ours: [],
                pool: [],
                stockInProc: [],
                cli: [],
                verify: [],
                proofBytes: 0,
                witnessMs: []
            };
            const proofsN = system === 'plonk' ? Math.max(3, Math.ceil(N / 5)) : N;
            console.error(`== ${system}: ${art.constraints} constraints; proving in-process x${proofsN}`);
            await prove(art, rows[0]); // warm-up
            for (let i = 0; i < proofsN; i++) {
                const r = await prove(art, rows[i % rows.length]);
                row.ours.push(r.prove_ms);
                row.witnessMs.push(r.witness_ms);
                row.proofBytes = JSON.stringify(r.proof).length;
                const v = await verifyProofTimed(system, art.vk, r.publicSignals, r.proof);
                if (!v.verified)
                    throw new Error('a benchmark proof did not verify');
                row.verify.push(v.verification_ms);
            }
            console.error(`== ${system}: prover pool (1 worker)`);
            const pool = new ProverPool({ size: 1 });
            await pool.prove(art.dir, rows[0]);
            for (let i = 0; i < proofsN; i++) {
                const t0 = performance.now();
                await pool.prove(art.dir, rows[i % rows.length]);
                row.pool.push(performance.now() - t0);
            }
            await pool.close();
            console.error(`== ${system}: stock snarkjs in-process fullProve from files`);
            const fullProve = system === 'groth16' ? snarkjs.groth16.fullProve : snarkjs.plonk.fullProve;
            for (let i = 0; i < Math.min(proofsN, 5); i++) {
                const input = circuitInput(quantizeInputs(prover.plan, rows[i % rows.length]));
                const t0 = performance.now();
                await fullProve(input, art.wasmPath, art.zkeyPath);
                row.stockInProc.push(performance.now() - t0);
            }
            console.error(`== ${system}: stock snarkjs CLI fullprove (new process each)`);
            for (let i = 0; i < Math.min(proofsN, 5); i++) {
                const xq = quantizeInputs(prover.plan, rows[i % rows.length]);
                evaluatePlan(prover.plan, xq);
                const inputFile = path.join(work, 'input.json');
                writeFileSync(inputFile, JSON.stringify(circuitInput(xq)));
                const t0 = performance.now();
                await run(process.execPath, [cli, system, 'fullprove', inputFile, art.wasmPath, art.zkeyPath, path.join(work, 'proof.json'), path.join(work, 'public.json')]);
                row.cli.push(performance.now() - t0);
            }
            results.push(row);
        }
    }
    finally {
        await releaseProvers();
        rmSync(work, { recursive: true, force: true });
    }
    const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    const lines = [];
    lines.push(`Each system on its own circuit, the same artifacts (wasm, zkey) for every prover; inputs: random rows in the Aave-like scaler's range. Proofs: ${N} Groth16 (in-process and pool), PLONK ${Math.max(3, Math.ceil(N / 5))}; stock snarkjs in-process and CLI: up to 5 each. Milliseconds.`);
    lines.push('');
    lines.push('| system | network | constraints | PLONK gates | domain | compile s | setup s | proof bytes (JSON) | witness ms p50 | prove p50 / p95, in-process, warm | pool (1 worker thread) p50 / p95 | stock snarkjs in-process fullProve p50 | stock CLI `fullprove` p50 / p95 | ours / CLI (p50) | verify p50 / p95 |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
        lines.push(`| ${r.system} | ${netOf(r.system).join('-')} | ${r.constraints} | ${r.gates ?? '-'} | 2^${r.power} | ${r.compileS.toFixed(1)} | ${r.setupS.toFixed(1)} | ${r.proofBytes} | ${f(pct(r.witnessMs, 0.5))} | ${f(pct(r.ours, 0.5))} / ${f(pct(r.ours, 0.95))} | ${f(pct(r.pool, 0.5))} / ${f(pct(r.pool, 0.95))} | ${f(pct(r.stockInProc, 0.5))} | ${f(pct(r.cli, 0.5))} / ${f(pct(r.cli, 0.95))} | ${(pct(r.ours, 0.5) / pct(r.cli, 0.5)).toFixed(2)}x (pool ${(pct(r.pool, 0.5) / pct(r.cli, 0.5)).toFixed(2)}x) | ${f(pct(r.verify, 0.5))} / ${f(pct(r.verify, 0.95))} |`);
    }
    if (systems.includes('plonk') && options.plonkServiceNet !== true) {
        lines.push('');
        lines.push(`PLONK runs on a ${SMALL_NET.join('-')} network here: the service's ${SERVICE_NET.join('-')} network needs a 2^13 powers of tau, and making a development one takes minutes (set PTAU_FILE, or keep \`${path.join(defaultPtauCacheDir(), devPtauName(13))}\` from an earlier run, and the benchmark uses the service's network).`);
    }
    const g16 = results.find((r) => r.system === 'groth16');
    const goals = g16 == null
        ? []
        : [{
                goal: 'Groth16 prove p50 <= 0.5x the stock snarkjs CLI on the same circuit',
                met: pct(g16.ours, 0.5) <= 0.5 * pct(g16.cli, 0.5) && pct(g16.pool, 0.5) <= 0.5 * pct(g16.cli, 0.5),
                measured: `${(pct(g16.ours, 0.5) / pct(g16.cli, 0.5)).toFixed(2)}x in-process (${f(pct(g16.ours, 0.5))} vs ${f(pct(g16.cli, 0.5))} ms), ${(pct(g16.pool, 0.5) / pct(g16.cli, 0.5)).toFixed(2)}x through the service's worker pool`,
            }];
    return { title: 'Proofs: our prover against stock snarkjs', markdown: lines.join('\n'), goals, rows: results };
}
if (process.argv[1]?.endsWith('proofs.js') === true) {
    const arg = (name, dflt) => {
        const i = process.argv.indexOf(`--${name}`);
        return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
    };
    const onnxFile = arg('onnx', '');
    const bench = await benchProofs({ n: Number(arg('n', '20')), systems: arg('systems', 'groth16,plonk').split(','), onnx: onnxFile !== '' ? new Uint8Array(readFileSync(onnxFile)) : undefined, plonkServiceNet: hasPlonkPtau() });
    console.log(bench.markdown);
}
//# sourceMappingURL=proofs.js.map