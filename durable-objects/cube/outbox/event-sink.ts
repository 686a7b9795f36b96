// Outbox sink that announces a cube's memory changes as webhook events on the events queue.
import type { Memory } from "../../../src/memory/types";
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import { emitEvents, hasSubscriptions, type EmitEnv } from "../../../src/services/webhooks-emit";
import { hasAnySubscription, redactMemoryDeliveries } from "../../../src/services/webhooks";
import { memoryChanged, memoryDeleted } from "../../../src/webhooks/sources";
import type { OutboxSink } from "./outbox";
import { skillCreatedEvent } from "../../../src/services/skills-events";

/**
 * Runs after the catalog and vector sinks, so that a receiver reading the memory back finds it.
 * The outbox drains at least once and event ids derive from the memory's state, so a repeated
 * drain sends the same `webhook-id` again (and the fan-out records it once per subscription).
 * Without an EVENTS binding, or while the tenant has no enabled subscription, nothing is sent.
 */
export class WebhookEventSink implements OutboxSink {
  readonly needsVectors = false;
  readonly name = "webhook-events";

  constructor(
    private readonly env: EmitEnv,
    private readonly identity: CubeIdentity,
  ) {}

  /** Checked before any event is built: most tenants have no subscription (cached per isolate). */
  private async wanted(): Promise<boolean> {
    return this.env.EVENTS !== undefined && (await hasSubscriptions(this.env.DB, this.identity.tenant_id));
  }

  async upsert(memories: Memory[]): Promise<void> {
    if (!(await this.wanted())) return;
    await emitEvents(this.env, this.identity.tenant_id, await Promise.all(memories.map(memoryChanged)));
  }

  /** `skill.created`: the id, name and cube only (the event's id is the skill's, so a repeated drain sends the same one). */
  async skillsCreated(skills: Array<{ id: string; name: string; created_at: number }>): Promise<void> {
    if (!(await this.wanted())) return;
    await emitEvents(this.env, this.identity.tenant_id, await Promise.all(skills.map((s) => skillCreatedEvent(this.identity, s, s.created_at))));
  }

  async delete(ids: string[]): Promise<void> {
    // Earlier deliveries of these memories keep their content no longer (a tenant without any
    // subscription has no deliveries: a subscription's deletion takes its log with it).
    if (this.env.EVENTS === undefined || !(await hasAnySubscription(this.env.DB, this.identity.tenant_id))) return;
    await redactMemoryDeliveries(this.env.DB, this.identity.tenant_id, ids);
    if (!(await this.wanted())) return;
    const now = Date.now();
    await emitEvents(this.env, this.identity.tenant_id, await Promise.all(ids.map((id) => memoryDeleted(this.identity, id, now))));
  }
}
