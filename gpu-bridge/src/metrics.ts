// Prometheus metrics of the bridge, kept in memory and rendered in the text exposition format.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
}

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  observe(labels: Labels, seconds: number): void {
    this.observeKey(key(labels), seconds);
  }
  observeKey(k: string, seconds: number): void {
    let s = this.series.get(k);
    if (!s) {
      s = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] ?? Infinity)) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += seconds;
    s.count += 1;
  }
}

/** Gauges are read when scraped, from the registry, so they never drift from the truth. */
export interface GaugeSource {
  nodes(): { id: string; bytesInUse: number; budgetBytes: number; loadedAdapters: number; blocks: number }[];
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly cache = new Map<string, number>();
  private readonly latency = new Histogram();
  private readonly ttft = new Histogram();
  private readonly evictions = new Map<string, number>();
  private readonly rewarms = new Map<string, number>();

  /** Label keys by route, method and status, built once each: this runs on every request. */
  private readonly keys = new Map<string, { counter: string; histogram: string }>();

  request(route: string, method: string, status: number, seconds: number): void {
    const id = `${route} ${method} ${status}`;
    let k = this.keys.get(id);
    if (!k) {
      k = { counter: key({ route, method, status: String(status) }), histogram: key({ route, method }) };
      this.keys.set(id, k);
    }
    this.requests.set(k.counter, (this.requests.get(k.counter) ?? 0) + 1);
    this.latency.observeKey(k.histogram, seconds);
  }

  cacheResult(node: string, hit: boolean): void {
    const k = key({ node, result: hit ? "hit" : "miss" });
    this.cache.set(k, (this.cache.get(k) ?? 0) + 1);
  }

  /** Label keys by node, built once each: this runs on every generate request. */
  private readonly nodeKeys = new Map<string, string>();

  firstToken(node: string, seconds: number): void {
    let k = this.nodeKeys.get(node);
    if (k === undefined) {
      k = key({ node });
      this.nodeKeys.set(node, k);
    }
    this.ttft.observeKey(k, seconds);
  }

  evicted(node: string, count: number): void {
    const k = key({ node });
    this.evictions.set(k, (this.evictions.get(k) ?? 0) + count);
  }

  /** A resident block warmed again by the bridge before the node's LRU could drop it. */
  rewarmed(node: string): void {
    const k = key({ node });
    this.rewarms.set(k, (this.rewarms.get(k) ?? 0) + 1);
  }

  render(gauges: GaugeSource): string {
    const out: string[] = [];
    const counter = (name: string, help: string, m: Map<string, number>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of m) out.push(`${name}{${k}} ${v}`);
    };
    const histogram = (name: string, help: string, h: Histogram) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const [k, s] of h.series) {
        const sep = k ? "," : "";
        BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${k}${sep}le="${b}"} ${s.counts[i] ?? 0}`));
        out.push(`${name}_bucket{${k}${sep}le="+Inf"} ${s.count}`, `${name}_sum{${k}} ${s.sum}`, `${name}_count{${k}} ${s.count}`);
      }
    };
    counter("bridge_requests_total", "Requests answered by the bridge.", this.requests);
    histogram("bridge_request_duration_seconds", "Time to answer (to first byte for streams).", this.latency);
    counter("bridge_cache_lookups_total", "Generate requests by activation cache result.", this.cache);
    histogram("bridge_time_to_first_token_seconds", "Time from request to first generated token.", this.ttft);
    counter("bridge_evictions_total", "Activation blocks evicted to stay under budget.", this.evictions);
    counter("bridge_rewarms_total", "Resident blocks warmed again to stay in the node's prefix cache.", this.rewarms);
    const nodes = gauges.nodes();
    const gauge = (name: string, help: string, pick: (n: (typeof nodes)[number]) => number) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const n of nodes) out.push(`${name}{node="${n.id}"} ${pick(n)}`);
    };
    gauge("bridge_activation_bytes", "Bytes of KV cache held by activation blocks.", (n) => n.bytesInUse);
    gauge("bridge_activation_budget_bytes", "Bytes activation blocks may take on the node now: budget_bytes, within the cache less the conversations' share when cache_bytes is set.", (n) => n.budgetBytes);
    gauge("bridge_activation_blocks", "Activation blocks registered.", (n) => n.blocks);
    gauge("bridge_loaded_adapters", "LoRA adapters loaded.", (n) => n.loadedAdapters);
    return `${out.join("\n")}\n`;
  }
}
