import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import t from 'tap';
import { ProverPool } from '../../src/proofs/prover-pool.js';
/** Nice value of each thread of this process (Linux /proc: field 19 of /proc/self/task/<tid>/stat). */
function threadNices() {
    return readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
}
t.test('prover threads run at a lower priority than the thread that serves requests', { skip: process.platform !== 'linux' ? 'Linux thread priorities only' : getPriority(0) !== 0 ? 'the test process is already niced' : false }, async (t) => {
    const before = threadNices();
    t.ok(before.every((n) => n === 0), 'no thread is niced before the pool starts');
    const pool = new ProverPool({ size: 1, nice: 7 });
    t.teardown(async () => { await pool.close(); });
    const deadline = Date.now() + 60_000;
    while (!threadNices().includes(7) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
    const nices = threadNices();
    t.ok(nices.includes(7), `a worker thread has nice 7 (${nices.join(',')})`);
    t.equal(getPriority(0), 0, 'the main thread keeps its priority');
    t.ok(nices.filter((n) => n === 0).length >= before.length - 1, 'the process\'s other threads keep theirs');
});
//# sourceMappingURL=prover-nice.test.js.map