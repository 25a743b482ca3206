import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_TYPES_FILE, clientTypes } from './client-types.js';
/**
 * Writes the client types (openapi-typescript) from the committed openapi/openapi.json, which CI
 * checks against the app. `--check` fails when the committed types are out of date.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = path.join(root, CLIENT_TYPES_FILE);
const document = JSON.parse(await readFile(path.join(root, 'openapi', 'openapi.json'), 'utf8'));
const types = await clientTypes(document);
if (process.argv.includes('--check')) {
    const committed = await readFile(target, 'utf8').catch(() => '');
    if (committed !== types) {
        console.error(`${CLIENT_TYPES_FILE} is out of date: run \`npm run client:generate\` and commit it`);
        process.exitCode = 1;
    }
    else {
        console.log(`${CLIENT_TYPES_FILE} is up to date`);
    }
}
else {
    await writeFile(target, types);
    console.log(`wrote ${CLIENT_TYPES_FILE}`);
}
//# sourceMappingURL=generate-client.js.map