import { readFileSync } from 'node:fs';
function areaOf(url, name) {
    if (name === '(idle)')
        return 'idle';
    if (name === '(garbage collector)')
        return 'gc';
    if (name === '(program)')
        return 'native (program)';
    if (url === '')
        return name.startsWith('(') ? name : 'native';
    const nm = url.lastIndexOf('/node_modules/');
    if (nm >= 0) {
        const rest = url.slice(nm + '/node_modules/'.length).split('/');
        return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    }
    if (url.startsWith('node:'))
        return 'node internals';
    const dist = url.indexOf('/dist/');
    if (dist >= 0)
        return `ours: ${url.slice(dist + 6).split('/').slice(0, 2).join('/')}`;
    return url;
}
function shortUrl(url) {
    const nm = url.lastIndexOf('/node_modules/');
    if (nm >= 0)
        return url.slice(nm + '/node_modules/'.length);
    const dist = url.indexOf('/dist/');
    if (dist >= 0)
        return url.slice(dist + 6);
    return url.replace(/^file:\/\//, '');
}
/**
 * `window` (µs on the monotonic clock, i.e. process.hrtime.bigint() / 1000n in any process of the
 * machine, which is V8's profile clock on Linux) keeps only the samples taken during a measurement.
 */
export function summarizeProfile(file, top = 12, window) {
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map();
    // Each sample's time is the delta to the next sample.
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
        at += profile.timeDeltas[i];
        if (window != null && (at < window.fromUs || at > window.toUs))
            continue;
        const dt = profile.timeDeltas[i + 1] ?? 0;
        selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
    }
    let total = 0;
    let idle = 0;
    const frames = new Map();
    const areas = new Map();
    for (const [id, us] of selfUs) {
        const node = byId.get(id);
        if (node == null)
            continue;
        const { functionName, url, lineNumber } = node.callFrame;
        const name = functionName === '' ? '(anonymous)' : functionName;
        total += us;
        if (name === '(idle)') {
            idle += us;
            continue;
        }
        const key = `${name}\t${url === '' ? '' : `${shortUrl(url)}:${lineNumber + 1}`}`;
        frames.set(key, (frames.get(key) ?? 0) + us);
        const area = areaOf(url, name);
        areas.set(area, (areas.get(area) ?? 0) + us);
    }
    areas.set('idle', idle);
    const share = (us) => (total === 0 ? 0 : us / total);
    return {
        totalMs: total / 1000,
        frames: [...frames].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => {
            const [name, where] = k.split('\t');
            return { name, where, share: share(us) };
        }),
        areas: [...areas].sort((a, b) => b[1] - a[1]).slice(0, top).map(([area, us]) => ({ area, share: share(us) })),
    };
}
export function profileText(summary, title) {
    const pct = (x) => `${(x * 100).toFixed(1)}%`;
    return [
        `${title} (${(summary.totalMs / 1000).toFixed(1)} s sampled)`,
        'self time by area:',
        ...summary.areas.map((a) => `  ${pct(a.share).padStart(6)}  ${a.area}`),
        'top functions by self time:',
        ...summary.frames.map((f) => `  ${pct(f.share).padStart(6)}  ${f.name}  ${f.where}`),
    ].join('\n');
}
// CLI: node dist/bench/cpu-profile.js FILE.cpuprofile [top]
if (process.argv[1]?.endsWith('cpu-profile.js') === true && process.argv[2] != null) {
    console.log(profileText(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 20)), process.argv[2]));
}
//# sourceMappingURL=cpu-profile.js.map