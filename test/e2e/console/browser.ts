// Headless Chromium for the console's tests and benchmark: Debian's chromium driven by playwright-core, offline flags, axe-core for accessibility.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** Signs in through the form (the key typed, never put in a URL) and waits for the first page. */
export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await ready(page);
}

/** Waits until the page shown has its data (`data-ready="true"` on the page section). */
export async function ready(page: Page, timeout = 15_000): Promise<void> {
  await page.locator('section.page[data-ready="true"]').first().waitFor({ timeout });
}

/** Moves to a hash route and waits for its page to be ready; answers the milliseconds it took. */
export async function visit(page: Page, hash: string): Promise<number> {
  const start = performance.now();
  await page.evaluate(`(() => { const s = document.querySelector("section.page"); if (s) s.dataset.ready = "stale"; location.hash = ${JSON.stringify(hash)}; })()`);
  await ready(page);
  return performance.now() - start;
}

/** Runs `action` (a click that navigates) and waits for the next page to be ready, not the one it left. */
export async function navigating(page: Page, action: () => Promise<void>): Promise<void> {
  await page.evaluate(`(() => { const s = document.querySelector("section.page"); if (s) s.dataset.ready = "stale"; })()`);
  await action();
  await ready(page);
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/** axe-core's violations on the current page (evaluated through the DevTools protocol, which the page's CSP does not govern). */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(`${AXE}\n;undefined`);
  return (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[];
}
