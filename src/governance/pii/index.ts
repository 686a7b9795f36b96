// PII and secret detection and desensitization: pure functions, no bindings (Node and workerd).
export { detectPii, resolveOverlaps, type DetectOptions } from "./detect";
export { applySpans, desensitize, placeholdersIn, reveal, mappingKey, EMPTY_MAPPING, type PiiMapping, type VaultEntry, type Desensitized } from "./desensitize";
export { DEFAULT_PHONE_REGIONS, findPhones } from "./phone";
export { flattenFields, type FieldSet } from "./fields";
export { findWithModel, MODEL_PII_TYPES, normalizeModelValue, toSpans, type ModelPiiType, type ModelSpan, type PiiFinder } from "./model-detect";
export { PII_TYPES, PRIVACY_MODES, type PiiType, type PrivacyMode, type Span } from "./types";
export { cardValid, cnIdCheckChar, cnIdValid, ibanValid, ipv4Valid, ipv6Valid, luhnValid, ssnValid } from "./validators";
