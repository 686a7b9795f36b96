// The web console in real headless Chromium against wrangler dev: sign in, add, search, history, edit, delete; every page screenshotted and checked with axe-core; the key never in a URL or the console log; a read-only key sees what admin pages need.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM build script shared with `npm run dev`, no type declarations
import { buildConsole } from "../../console/build.mjs";
import { call, useWrangler } from "./helpers";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { ensureDevVars } from "../../scripts/dev-lib.mjs";
import { axe, launch, navigating, signIn, visit } from "./console/browser";

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "artifacts", "console");

describe("console in headless Chromium", () => {
  const server = useWrangler();
  let browser: Browser;
  let page: Page;
  const urls: string[] = [];
  const logs: string[] = [];
  const user = `console-${Date.now()}`;

  beforeAll(async () => {
    await buildConsole({ quiet: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (r) => urls.push(r.url()));
    page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
  });
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  it("signs in, adds a memory, finds it in search, edits it, sees the new version, deletes it and sees it gone", async () => {
    const dev = server();
    await page.goto(`${dev.url}/console/`);
    await shot("sign-in");
    // A wrong key is refused on the sign-in form, and nothing is kept.
    await page.getByLabel("API key").fill("mk_not-a-real-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("refused");
    expect(await page.evaluate("sessionStorage.length")).toBe(0);

    await signIn(page, dev.url, dev.key);
    expect(await page.locator("h1").first().textContent()).toBe("Memories");

    await visit(page, "#/memories/new");
    await shot("add-memory");
    await page.getByLabel("Text").fill("Alice prefers green tea in the morning");
    await page.getByLabel("user_id").fill(user);
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator('[data-testid="memory-text"]').waitFor();
    expect(await page.locator('[data-testid="memory-text"]').textContent()).toBe("Alice prefers green tea in the morning");
    const id = decodeURIComponent(new URL(page.url()).hash.match(/#\/memories\/([^?]+)/)?.[1] ?? "");
    expect(id).toMatch(/^mem_/);

    await visit(page, `#/search?query=${encodeURIComponent("what does alice drink")}&user_id=${user}`);
    const results = page.locator('[data-testid="results"] li');
    expect(await results.count()).toBeGreaterThan(0);
    expect(await results.first().locator("a").textContent()).toBe("Alice prefers green tea in the morning");
    expect(await results.first().locator(".bar").count()).toBeGreaterThan(0);
    await shot("search");
    // The packed context block, with its tokens against the budget.
    await visit(page, `#/search?query=${encodeURIComponent("what does alice drink")}&user_id=${user}&format=context&budget_tokens=300`);
    expect(await page.locator('[data-testid="context-block"]').textContent()).toContain("Alice prefers green tea");
    expect(await page.getByText(/of 300 tokens/).count()).toBe(1);
    await shot("search-context");

    await navigating(page, () => results.first().locator("a").click());
    expect(await page.locator('[data-testid="versions"] li').count()).toBe(1);
    await page.getByRole("form", { name: "Edit memory" }).getByLabel("Text").fill("Alice prefers oolong in the morning");
    await page.getByRole("button", { name: "Save a new version" }).click();
    await expect.poll(() => page.locator('[data-testid="memory-version"]').textContent()).toBe("2");
    const versions = page.locator('[data-testid="versions"] li');
    expect(await versions.count()).toBe(2);
    expect(await versions.nth(1).locator("del").allTextContents()).toEqual(["green tea"]);
    expect(await versions.nth(1).locator("ins").allTextContents()).toEqual(["oolong"]);
    expect(await page.locator('[data-testid="memory-text"]').textContent()).toBe("Alice prefers oolong in the morning");
    await shot("memory-history");

    await page.getByRole("button", { name: "Delete…" }).click();
    await navigating(page, () => page.getByRole("button", { name: "Yes, delete it" }).click());
    expect(await page.locator("h1").first().textContent()).toBe("Memories");
    expect(await page.getByText("Alice prefers oolong").count()).toBe(0);
    expect((await call(dev, "GET", `/v1/memories/${id}`)).status).toBe(404);
    await visit(page, `#/memories/${id}`);
    expect(await page.locator("h1").first().textContent()).toBe("Memory not found");
    await shot("memory-deleted");
  });

  it("shows every page, each with no serious or critical accessibility violation, in light and dark", async () => {
    const dev = server();
    // Extracted (rules, at once) so that the memories name entities for the graph.
    const added = await call(dev, "POST", "/v1/memories", { user_id: user, sync: true, messages: [
      { role: "user", name: "Bob", content: "I met Carol in Lisbon in May 2024.", timestamp: "2024-05-20T10:00:00Z" },
      { role: "user", name: "Bob", content: "Carol moved to Porto with Dave last year.", timestamp: "2024-06-02T10:00:00Z" },
    ] });
    expect(added.status).toBe(201);
    const pages: [string, string][] = [
      ["memories", `#/memories?user_id=${user}`],
      ["timeline", `#/timeline?user_id=${user}`],
      ["graph", `#/graph?user_id=${user}`],
      ["jobs", "#/jobs"],
      ["keys", "#/keys"],
      ["grants", "#/grants"],
      ["audit", "#/audit"],
      ["webhooks", "#/webhooks"],
      ["settings", `#/settings?cube_id=user:${user}`],
      ["scheduler", `#/scheduler?cube_id=user:${user}`],
      ["not-yet", "#/not-yet"],
      ["search-empty", "#/search"],
    ];
    const serious: string[] = [];
    for (const theme of ["light", "dark"] as const) {
      await page.getByLabel("Theme").selectOption(theme);
      for (const [name, hash] of pages) {
        await visit(page, hash);
        await shot(`${name}-${theme}`);
        for (const v of await axe(page)) if (v.impact === "serious" || v.impact === "critical") serious.push(`${theme} ${name}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      }
    }
    expect(serious).toEqual([]);
    // The timeline placed the memories by month; the graph drew the entities they name.
    await visit(page, `#/timeline?user_id=${user}`);
    expect(await page.locator(".months h2").count()).toBeGreaterThan(0);
    expect(await page.locator(".months li").count()).toBeGreaterThan(0);
    await visit(page, `#/graph?user_id=${user}`);
    expect(await page.locator(".graph canvas").count()).toBeGreaterThan(0);
    expect(await page.getByText(/^\d+ entities, \d+ memories with entities/).textContent()).toMatch(/^[1-9]\d* entities, [1-9]\d* memories/);
    await shot("graph-drawn");
  });

  it("keyboard shortcuts and focus, a refused input and another tenant's memory each give a state that says what to do", async () => {
    const dev = server();
    await visit(page, `#/memories?user_id=${user}`);
    // The first Tab reaches the skip link, drawn with a focus ring.
    await page.locator("h1").first().focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    const focused = (await page.evaluate(`(() => { const a = document.activeElement; const s = a ? getComputedStyle(a) : null; return { text: a?.textContent ?? "", outline: s ? s.outlineStyle + " " + s.outlineWidth : "" }; })()`)) as { text: string; outline: string };
    expect(focused.outline).not.toMatch(/^none/);
    // "g" then "s" goes to search; "g" then "m" back to the memories (no field focused).
    await page.locator("h1").first().focus();
    await page.keyboard.press("g");
    await page.keyboard.press("s");
    await expect.poll(() => new URL(page.url()).hash).toBe("#/search");
    await page.locator("h1").first().focus();
    await page.keyboard.press("g");
    await page.keyboard.press("m");
    await expect.poll(() => new URL(page.url()).hash).toBe("#/memories");

    // A value the API refuses (top_k 0, from an edited link) shows its code and what to do.
    await visit(page, `#/search?query=tea&user_id=${user}&top_k=0`);
    expect(await page.getByRole("alert").textContent()).toContain("invalid_request");
    await shot("search-refused");

    // Another tenant's memory, by its id, is not found here, and nothing of it is shown.
    const { ADMIN_TOKEN } = ensureDevVars() as { ADMIN_TOKEN: string };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const tenant = await call<{ id: string }>(dev, "POST", "/v1/admin/tenants", { name: `console-other-${Date.now()}` }, admin);
    const other = await call<{ key: string }>(dev, "POST", `/v1/admin/tenants/${tenant.body.id}/keys`, { name: "other", scopes: ["memories:read", "memories:write"] }, admin);
    const theirs = await call<{ memories: { id: string }[] }>({ ...dev, key: other.body.key }, "POST", "/v1/memories", { user_id: "eve", text: "Eve's secret plan for the console", infer: false });
    const theirId = theirs.body.memories[0]?.id ?? "";
    expect(theirId).toMatch(/^mem_/);
    await visit(page, `#/memories/${theirId}`);
    expect(await page.locator("h1").first().textContent()).toBe("Memory not found");
    expect(await page.getByText("Eve's secret plan").count()).toBe(0);
    await visit(page, `#/search?query=${encodeURIComponent("secret plan")}`);
    expect(await page.getByText("Eve's secret plan").count()).toBe(0);

    // An extraction from the add page lands on its job, with the job's state and report.
    await visit(page, "#/memories/new");
    await page.getByLabel("Text").fill("I moved to Lisbon last May with Carol.");
    await page.getByLabel("user_id").fill(user);
    await page.getByLabel("Extract memories from it as a message (a job)").check();
    await navigating(page, () => page.getByRole("button", { name: "Save" }).click());
    expect(new URL(page.url()).hash).toMatch(/^#\/jobs\?id=job_/);
    expect(await page.locator('[data-testid="job-state"]').textContent()).toMatch(/queued|running|succeeded/);
    await shot("job");
  });

  it("loads pages without shifting what is already shown (cumulative layout shift under 0.1)", async () => {
    await page.evaluate(`(() => { window.__cls = 0; new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; }).observe({ type: "layout-shift" }); })()`);
    for (const hash of [`#/memories?user_id=${user}`, `#/timeline?user_id=${user}`, "#/audit", "#/keys", `#/settings?cube_id=user:${user}`, `#/memories?user_id=${user}&state=archived`]) await visit(page, hash);
    await page.waitForTimeout(100);
    expect((await page.evaluate("window.__cls")) as number).toBeLessThan(0.1);
  });

  it("a read-only key signs in, reads memories, and sees on admin pages which scope they need", async () => {
    const dev = server();
    const made = await call<{ key: string }>(dev, "POST", "/v1/keys", { name: `console-reader-${Date.now()}`, scopes: ["memories:read"] });
    expect(made.status).toBe(201);
    await page.getByRole("button", { name: "Sign out" }).click();
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    await signIn(page, dev.url, made.body.key);
    await visit(page, "#/keys");
    expect(await page.getByRole("heading", { name: "Not allowed with this key" }).count()).toBe(1);
    await shot("keys-forbidden");
    await visit(page, "#/audit");
    expect(await page.getByRole("heading", { name: "Not allowed with this key" }).count()).toBe(1);
    await visit(page, `#/memories?user_id=${user}`);
    const before = await call<{ memories: { id: string; version: number }[] }>(dev, "GET", `/v1/memories?user_id=${user}`);
    expect(await page.locator("table tbody tr").count()).toBe(before.body.memories.length);
    // Writing with it is refused on the page, with the reason, and nothing is written.
    await navigating(page, () => page.locator("table tbody tr a").first().click());
    await page.getByRole("button", { name: "Save a new version" }).click();
    await page.getByRole("heading", { name: "Not allowed with this key" }).waitFor();
    const listed = await call<{ memories: { version: number }[] }>(dev, "GET", `/v1/memories?user_id=${user}`);
    expect(listed.body.memories).toEqual(before.body.memories);
  });

  it("never put a key in a URL it requested, logged no key, and broke no Content-Security-Policy rule", () => {
    const dev = server();
    expect(urls.length).toBeGreaterThan(20);
    for (const u of urls) expect(u).not.toMatch(/mk_[A-Za-z0-9_-]{8,}/);
    for (const u of urls) expect(u.startsWith(dev.url) || u.startsWith("data:")).toBe(true);
    expect(logs.filter((l) => l.includes("mk_"))).toEqual([]);
    expect(logs.filter((l) => /Content Security Policy|pageerror/i.test(l))).toEqual([]);
  });
});
