// Encryption at rest inside the cube: raw messages (with their tool calls) and PII vault values sealed with the tenant's data key before the write transaction, opened after reads.
import type { AddMessagesRequest, CubeIdentity, CubeResult } from "../../src/memory/cube-contract";
import { fail, ok } from "../../src/memory/cube-contract";
import type { RawMessage } from "../../src/memory/types";
import { ApiError } from "../../src/errors";
import { decrypt, encrypt, envelopeVersion, EnvelopeError, isEncrypted, keyedHash, type DataKey } from "../../src/governance/envelope";
import { currentDataKey, dataKeyVersion, hashDataKey, type DataKeyEnv } from "../../src/services/data-keys";
import { hashMessages, replayInput } from "./jobs/job-store";
import type { VaultCipher } from "./privacy";

/** The columns sealed at rest; the name is part of each value's context, so a value moved to another column does not open. */
export type SealedColumn = "messages.content" | "messages.name" | "messages.tool_calls" | "pii_vault.value";

/** What a sealed value is bound to: the tenant, the cube and the column it was written to. */
export function fieldAad(identity: CubeIdentity, column: SealedColumn): string {
  return `memos-edge field\u0000${identity.tenant_id}\u0000${identity.cube_id}\u0000${column}`;
}

/** A request's messages as stored (content and name sealed) and their replay hashes. */
export interface SealedMessages {
  req: AddMessagesRequest;
  /** Keyed hashes (HMAC under the tenant's hash key): what new rows store. */
  hashes: string[];
  /** Plain SHA-256 hashes, as rows written before encryption hold them: looked up too. */
  legacy: string[];
}

/**
 * Runs work that needs the tenant's data key and answers its failure as a cube result: no master
 * key (503), D1 unavailable, a value that does not open (500, logged without the value).
 */
export async function withKeys<T>(work: () => Promise<T>): Promise<CubeResult<T>> {
  try {
    return ok(await work());
  } catch (err) {
    if (err instanceof ApiError) return fail(err.code, err.message, err.details);
    if (err instanceof EnvelopeError) {
      console.error(JSON.stringify({ level: "error", message: "stored value does not decrypt", reason: err.reason }));
      return fail("internal", "a stored value does not decrypt");
    }
    throw err;
  }
}

export class CubeCipher {
  /** A PII vault cipher for the cube/privacy.ts flow: keyed index, sealed values; plaintext values of old rows pass through. */
  readonly vault: VaultCipher;

  constructor(
    private readonly env: DataKeyEnv,
    private readonly identity: () => CubeIdentity | null,
  ) {
    this.vault = {
      index: async (keys) => {
        const key = await hashDataKey(this.env, this.bound().tenant_id);
        return Promise.all(keys.map((k) => keyedHash(key, `pii_vault.key\u0000${k}`)));
      },
      seal: async (values) => this.sealAll(values, "pii_vault.value"),
      open: async (sealed) => this.openAll(sealed, "pii_vault.value"),
    };
  }

  private bound(): CubeIdentity {
    const id = this.identity();
    if (!id) throw new ApiError("internal", "the cube is not bound to a tenant yet");
    return id;
  }

  private async sealAll(values: readonly string[], column: SealedColumn): Promise<string[]> {
    if (values.length === 0) return [];
    const id = this.bound();
    const key = await currentDataKey(this.env, id.tenant_id);
    const aad = fieldAad(id, column);
    return Promise.all(values.map((v) => encrypt(key, v, aad)));
  }

  /** Opens sealed values, each with the version it names; a value stored before encryption is returned as it is. */
  private async openAll(values: readonly string[], column: SealedColumn): Promise<string[]> {
    const id = this.bound();
    const aad = fieldAad(id, column);
    const keys = new Map<number, Promise<DataKey>>();
    return Promise.all(
      values.map(async (v) => {
        if (!isEncrypted(v)) return v;
        const version = envelopeVersion(v);
        if (version === null) throw new EnvelopeError("malformed", "not a sealed value");
        let key = keys.get(version);
        if (!key) keys.set(version, (key = dataKeyVersion(this.env, id.tenant_id, version)));
        return decrypt(await key, v, aad);
      }),
    );
  }

  /** Seals the request's contents and names and computes its replay hashes, before the write transaction. */
  async sealMessages(req: AddMessagesRequest): Promise<SealedMessages> {
    const id = this.bound();
    const hashKey = await hashDataKey(this.env, id.tenant_id);
    const names = req.messages.map((m) => m.name).filter((n): n is string => n !== null);
    const [contents, sealedNames, hashes, legacy] = await Promise.all([
      this.sealAll(req.messages.map((m) => m.content), "messages.content"),
      this.sealAll(names, "messages.name"),
      Promise.all(req.messages.map((m) => keyedHash(hashKey, replayInput(m)))),
      hashMessages(req),
    ]);
    let n = 0;
    const messages = req.messages.map((m, i) => ({ ...m, content: contents[i] as string, name: m.name === null ? null : (sealedNames[n++] as string) }));
    return { req: { ...req, messages }, hashes, legacy };
  }

  /** Messages' tool calls (JSON of their desensitized arguments) sealed as their contents are. */
  sealToolCalls(json: readonly string[]): Promise<string[]> {
    return this.sealAll(json, "messages.tool_calls");
  }

  /** Stored tool calls opened; rows written before they were sealed pass as they are. */
  openToolCalls(stored: readonly string[]): Promise<string[]> {
    return this.openAll(stored, "messages.tool_calls");
  }

  /** The messages as they were sent: contents and names opened. */
  async openMessages(rows: RawMessage[]): Promise<RawMessage[]> {
    const names = rows.map((r) => r.name).filter((n): n is string => n !== null);
    const [contents, opened] = await Promise.all([this.openAll(rows.map((r) => r.content), "messages.content"), this.openAll(names, "messages.name")]);
    let n = 0;
    return rows.map((r, i) => ({ ...r, content: contents[i] as string, name: r.name === null ? null : (opened[n++] as string) }));
  }
}
