import openapiTS, { COMMENT_HEADER, astToString } from 'openapi-typescript';
/** Where the generated client types live (imported by the end-to-end tests with openapi-fetch). */
export const CLIENT_TYPES_FILE = 'src/client/openapi.ts';
/**
 * TypeScript types for an OpenAPI document, exactly as `npx openapi-typescript openapi/openapi.json`
 * writes them (default options), so a user generating their own client gets the same types.
 */
export async function clientTypes(document) {
    const ast = await openapiTS(document, { silent: true });
    return COMMENT_HEADER + astToString(ast);
}
//# sourceMappingURL=client-types.js.map