import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
/**
 * Writes openapi/openapi.json from the app itself (the routes' TypeBox schemas), so the
 * committed document can never say something the code does not. `--check` fails on drift.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = path.join(root, 'openapi', 'openapi.json');
const dataDir = await mkdtemp(path.join(tmpdir(), 'zkpredict-openapi-'));
try {
    const app = await buildApp({ config: loadConfig({}, { LOG_LEVEL: 'silent', DEFAULT_MODELS: false, DATA_DIR: dataDir }), startBackground: false });
    await app.ready();
    const document = JSON.stringify(app.swagger(), null, 2) + '\n';
    await app.close();
    if (process.argv.includes('--check')) {
        const committed = await readFile(target, 'utf8').catch(() => '');
        if (committed !== document) {
            console.error('openapi/openapi.json is out of date: run `npm run openapi` and commit it');
            process.exitCode = 1;
        }
        else {
            console.log('openapi/openapi.json is up to date');
        }
    }
    else {
        await writeFile(target, document);
        console.log(`wrote ${path.relative(root, target)}`);
    }
}
finally {
    await rm(dataDir, { recursive: true, force: true });
}
//# sourceMappingURL=generate-openapi.js.map