// The Worker ↔ gpu-bridge contract, imported by src/bridge/ (the Worker's client) and gpu-bridge/.
export * from "./answers.js";
export * from "./errors.js";
export * from "./requests.js";
export * from "./signing.js";
