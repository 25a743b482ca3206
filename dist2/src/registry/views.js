/** The API's view of a version (ModelVersion schema): the stored facts plus aliases and circuit state. */
export function versionView(registry, meta) {
    const circuit = registry.circuit(meta);
    const { history: _history, ...facts } = meta;
    return {
        ...facts,
        aliases: registry.aliasesFor(meta),
        provable: circuit.status === 'ready',
        ...(circuit.status === 'unsupported' || circuit.status === 'failed' ? { not_provable_reason: circuit.error } : {}),
        circuit,
    };
}
//# sourceMappingURL=views.js.map