export {};
//# sourceMappingURL=proof-engine.js.map