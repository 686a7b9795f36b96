import { SELF } from "cloudflare:test";
import { it, expect } from "vitest";
it("works", async () => { const r = await SELF.fetch("http://x/"); expect(await r.text()).toBe("1"); });
