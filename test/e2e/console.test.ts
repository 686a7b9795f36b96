// The web console in real headless Chromium against wrangler dev: sign in, add, search, history, edit, delete; skills (SKILL.md, instantiate), the hub's review queue and the job list; every page screenshotted and checked with axe-core; the key never in a URL or the console log; a read-only key sees what admin pages need.
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
import { axe, launch, navigating, ready, signIn, visit } from "./console/browser";

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
    // Every page asked for is drawn, and with nothing more to fetch "Show more" is off.
    await expect.poll(() => page.locator(".graph-wrap").getAttribute("data-complete")).toBe("true");
    expect(await page.getByRole("button", { name: "Show 200 more memories" }).isDisabled()).toBe(true);
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

  it("a skill imported through the API is listed, its SKILL.md renders as text only, and instantiating refuses a bad value per field then renders the steps", async () => {
    const dev = server();
    const md = [
      "---", "name: back-up-database", "description: Back up the database before a migration.", "---", "",
      "## Parameters", "", "- `days` (integer, required): how many days of backups to keep", "- `target` (string): where the copy goes", '  - default: "disk"', '  - one of: ["disk", "bucket"]', "",
      "## Steps", "", "1. Copy the database to the {target}", "2. Keep <b>{days}</b> days of copies", "",
    ].join("\n");
    const imported = await call<{ skill: { id: string; cube_id: string } }>(dev, "POST", "/v1/skills/import", { user_id: user, text: md });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const skill = imported.body.skill;
    await visit(page, `#/skills?user_id=${user}`);
    expect(await page.getByRole("link", { name: "back-up-database" }).count()).toBe(1);
    await shot("skills");
    await navigating(page, () => page.getByRole("link", { name: "back-up-database" }).click());
    expect(await page.locator("h1").first().textContent()).toBe("Skill back-up-database");
    const article = page.locator('[data-testid="skill-md"]');
    expect(await article.locator("h2, h3").allTextContents()).toEqual(expect.arrayContaining(["Parameters", "Steps"]));
    // The HTML in a step is shown as the text it is, never made an element.
    expect(await article.textContent()).toContain("<b>{days}</b>");
    expect(await article.locator("b").count()).toBe(0);
    expect(await page.locator('[data-testid="skill-state"]').textContent()).toBe("probationary");
    // The form is made from the parameter schema: a required integer, a choice with its default.
    const form = page.getByRole("form", { name: "Instantiate" });
    expect(await form.getByText("(integer, required)").count()).toBe(1);
    expect(await form.getByLabel(/^target/).inputValue()).toBe("disk");
    await form.getByLabel(/^days/).fill("seven");
    await form.getByRole("button", { name: "Instantiate" }).click();
    const fieldError = page.locator('[data-testid="param-error-days"]');
    await fieldError.waitFor();
    expect((await fieldError.textContent())?.length).toBeGreaterThan(0);
    expect(await form.getByLabel(/^days/).getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator('[data-testid="rendered-steps"]').count()).toBe(0);
    await shot("skill-instantiate-refused");
    await form.getByLabel(/^days/).fill("7");
    await form.getByLabel(/^target/).selectOption("bucket");
    await form.getByRole("button", { name: "Instantiate" }).click();
    await page.locator('[data-testid="rendered-steps"]').waitFor();
    expect(await page.locator('[data-testid="rendered-steps"] li').allTextContents()).toEqual(["Copy the database to the bucket", "Keep <b>7</b> days of copies"]);
    expect(await fieldError.count()).toBe(0);
    await shot("skill");
    // Feedback counts: two successes make the probationary skill active.
    const stored = () => call<{ state: string; reliability: { successes: number } }>(dev, "GET", `/v1/skills/${skill.id}?cube_id=${encodeURIComponent(skill.cube_id)}`);
    for (let i = 1; i <= 2; i++) {
      await page.getByRole("button", { name: "It worked" }).click();
      await expect.poll(async () => (await stored()).body.reliability.successes).toBe(i);
      await ready(page);
    }
    await expect.poll(() => page.locator('[data-testid="skill-state"]').textContent()).toBe("active");
    expect((await stored()).body.state).toBe("active");
    expect(await page.getByText(/Recorded a success: reliability [\d.]+, state active/).count()).toBe(1);
  });

  it("a hub listing is approved in the review queue and installed from its page; the jobs list shows a job; each page passes axe in light and dark", async () => {
    const dev = server();
    const made = await call<{ memories: { id: string; cube_id: string }[]; job: { id: string } }>(dev, "POST", "/v1/memories", { user_id: user, text: "Erin keeps the spare keys in the blue drawer.", sync: true });
    expect(made.status).toBe(201);
    const memory = made.body.memories[0] as { id: string; cube_id: string };
    const title = `Spare keys ${Date.now()}`;
    const listed = await call<{ id: string; status: string }>(dev, "POST", "/v1/hub/listings", { kind: "memory", cube_id: memory.cube_id, id: memory.id, visibility: { tenant: true }, note: title });
    expect(listed.status, JSON.stringify(listed.body)).toBe(201);
    expect(listed.body.status).toBe("pending");
    await visit(page, "#/hub/review");
    const item = page.locator('[data-testid="pending-listing"]').filter({ hasText: "Erin keeps the spare keys" });
    expect(await item.count()).toBe(1);
    // The dev key is an admin: it may decide, so no notice that it cannot.
    expect(await page.locator('[data-testid="not-approver"]').count()).toBe(0);
    await shot("hub-review");
    await item.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Approved" }).count()).toBe(1);
    await expect.poll(async () => (await call<{ status: string }>(dev, "GET", `/v1/hub/listings/${listed.body.id}`)).body.status).toBe("approved");
    await ready(page);
    expect(await page.locator('[data-testid="pending-listing"]').filter({ hasText: "Erin keeps the spare keys" }).count()).toBe(0);
    // Found by search, installed from its page into another user's cube, shown there as up to date.
    await visit(page, `#/hub?q=${encodeURIComponent("spare keys drawer")}`);
    await navigating(page, () => page.locator("table a", { hasText: "Erin keeps the spare keys" }).first().click());
    expect(await page.locator('[data-testid="listing-status"]').textContent()).toBe("approved");
    await shot("hub-listing");
    const other = `${user}-other`;
    await page.getByRole("form", { name: "Install into a cube" }).getByLabel("user_id").fill(other);
    await navigating(page, () => page.getByRole("button", { name: "Install" }).click());
    expect(new URL(page.url()).hash).toBe(`#/hub/installs?cube_id=${encodeURIComponent(`user:${other}`)}`);
    expect(await page.locator('[data-testid="update-available"]').allTextContents()).toEqual(["up to date"]);
    const copies = await call<{ memories: { text: string }[] }>(dev, "GET", `/v1/memories?user_id=${other}`);
    expect(copies.body.memories.map((m) => m.text)).toEqual(["Erin keeps the spare keys in the blue drawer."]);
    // The job list, filtered by the cube, shows the job the write made, linked to its page.
    await visit(page, `#/jobs?cube_id=${encodeURIComponent(memory.cube_id)}`);
    expect(await page.getByRole("link", { name: made.body.job.id }).count()).toBe(1);
    await shot("jobs-list");
    await navigating(page, () => page.getByRole("link", { name: made.body.job.id }).click());
    expect(await page.locator('[data-testid="job-state"]').textContent()).toBe("succeeded");
    await visit(page, "#/jobs?state=failed&cube_id=nobody");
    expect(await page.getByRole("alert").textContent()).toContain("not_found");

    const skills = await call<{ skills: { id: string; cube_id: string }[] }>(dev, "GET", `/v1/skills?user_id=${user}`);
    const skill = skills.body.skills[0] as { id: string; cube_id: string };
    const pages: [string, string][] = [
      ["skills", `#/skills?user_id=${user}`],
      ["skills-empty", `#/skills?user_id=${user}&origin=hub`],
      ["skill", `#/skills/${skill.id}?cube_id=${encodeURIComponent(skill.cube_id)}`],
      ["hub", "#/hub"],
      ["hub-review", "#/hub/review"],
      ["hub-installs", `#/hub/installs?user_id=${other}`],
      ["hub-groups", "#/hub/groups"],
      ["jobs-list", "#/jobs"],
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
    await page.getByLabel("Theme").selectOption("system");
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
    // The review queue says this key cannot decide (GET /v1/keys/self) and offers no buttons.
    await visit(page, "#/hub/review");
    expect(await page.locator('[data-testid="not-approver"]').textContent()).toMatch(/cannot approve or reject: that needs the hub:admin scope/);
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
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
