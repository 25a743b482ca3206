import { spawn } from 'node:child_process';
import os from 'node:os';
import { once } from 'node:events';
import autocannon from 'autocannon';
/** autocannon against a loopback URL, bounded in time. */
export async function load(url, body, connections, seconds, headers = { 'content-type': 'application/json' }) {
    const result = await autocannon({ url, method: 'POST', body, headers, connections, duration: seconds, pipelining: 1 });
    const r = result.requests;
    return { rps: r.average, rpsMedian: r.p50, rpsMin: r.min, rpsMax: r.max, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}
/** Starts a node script as a child process and waits for the line it prints (e.g. its port). */
export async function startChild(script, env, execArgv = []) {
    const child = spawn(process.execPath, [...execArgv, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    // A benchmark that fails must not leave its servers running.
    const killOnExit = () => { if (child.exitCode == null)
        child.kill('SIGKILL'); };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let buffer = '';
    const firstLine = await new Promise((resolve, reject) => {
        child.stdout?.on('data', (chunk) => {
            // The port is a line of digits; with logging on, log lines come before it.
            buffer += chunk.toString();
            const port = /^(\d+)$/m.exec(buffer);
            if (port != null) {
                resolve(port[1]);
                buffer = '';
            }
            else if (buffer.length > 1e6)
                buffer = buffer.slice(-1000);
        });
        child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    });
    return { child, firstLine };
}
export async function stopChild(child) {
    if (child.exitCode != null)
        return;
    child.kill('SIGTERM');
    await once(child, 'exit');
}
export function machine() {
    const cpus = os.cpus();
    return `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}
export function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
export function percentile(values, p) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
export function fmt(n, digits = 1) {
    return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
/** "median (min-max)" of a sample. */
export function spread(values, digits = 1) {
    if (values.length === 0)
        return '-';
    if (values.length === 1)
        return fmt(values[0], digits);
    return `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`;
}
export function loadavg() {
    return os.loadavg().map((x) => x.toFixed(2)).join(' / ');
}
export const sleep = async (ms) => await new Promise((resolve) => setTimeout(resolve, ms));
//# sourceMappingURL=lib.js.map