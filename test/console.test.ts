// The console's page is a static asset (console/public) under a Content-Security-Policy that forbids inline scripts, framing and other origins.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const assets = (path: string) => env.ASSETS.fetch(new Request(`http://example.com${path}`));

function directives(csp: string | null): Map<string, string> {
  return new Map((csp ?? "").split(";").map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0] ?? "", d.split(/\s+/).slice(1).join(" ")]));
}

describe("console page", () => {
  it("is served at /console/ as HTML that loads only its own module script and stylesheet", async () => {
    const res = await assets("/console/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/console/build/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/console/build/app-style.css">');
    // No inline script: every <script> has a src of this origin, and no inline event handler.
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/src="\/console\//);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it("carries a CSP allowing scripts, styles and requests of its own origin only, no framing, no forms elsewhere", async () => {
    const res = await assets("/console/");
    const csp = directives(res.headers.get("content-security-policy"));
    expect(csp.get("default-src")).toBe("'none'");
    expect(csp.get("script-src")).toBe("'self'");
    expect(csp.get("style-src")).toBe("'self'");
    expect(csp.get("connect-src")).toBe("'self'");
    expect(csp.get("frame-ancestors")).toBe("'none'");
    expect(csp.get("base-uri")).toBe("'none'");
    expect(csp.get("form-action")).toBe("'none'");
    for (const value of csp.values()) expect(value).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("answers /console (no slash) with the same page under the same CSP, and 404 for a file that is not there", async () => {
    const bare = await assets("/console");
    expect(bare.status).toBe(200);
    expect(await bare.text()).toContain("/console/build/app.js");
    expect(directives(bare.headers.get("content-security-policy")).get("script-src")).toBe("'self'");
    const missing = await assets("/console/nope.js");
    expect(missing.status).toBe(404);
  });

  it("does not publish the assets' header rules file, and API paths still reach the Worker", async () => {
    expect((await assets("/_headers")).status).toBe(404);
    const api = await SELF.fetch("http://example.com/v1/memories");
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });
});
