// GET /v1/openapi.json and a self-contained /docs page (no CDN: it must work offline).
import { Hono } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { secureHeaders } from "hono/secure-headers";

/** The OpenAPI 3.1 document, generated from the route definitions mounted on `app`. */
function documentOf(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "API key (mk_...)" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "ADMIN_TOKEN secret" });
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "memos-edge", version: "1.0.0", description: "Memory operating system for AI agents: explicit memory, search and context packing." },
    servers: [{ url: "/" }],
  });
}

export function docs(app: OpenAPIHono<AppEnv>): Hono {
  const sub = new Hono();
  let cached: ReturnType<typeof documentOf> | null = null;
  sub.get("/v1/openapi.json", (c) => {
    cached ??= documentOf(app);
    return c.json(cached);
  });
  sub.get("/docs", docsHeaders, (c) => c.html(PAGE));
  sub.get("/docs/app.js", docsHeaders, (c) => c.body(SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));
  return sub;
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>memos-edge API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafafa}
header{background:#13233a;color:#fff;padding:16px 24px}main{max-width:980px;margin:0 auto;padding:16px 24px}
details{background:#fff;border:1px solid #d8dee4;border-radius:6px;margin:8px 0}
summary{cursor:pointer;padding:10px 12px;font-family:ui-monospace,monospace}
.m{display:inline-block;width:64px;font-weight:700}.get{color:#1a7f37}.post{color:#0969da}.patch{color:#9a6700}.delete{color:#cf222e}
pre{background:#f6f8fa;padding:10px;overflow:auto;margin:0 12px 12px;border-radius:4px;font-size:12px}
h2{margin-top:28px}.s{color:#57606a;font-family:system-ui}
</style></head><body><header><h1 style="margin:0;font-size:20px">memos-edge API reference</h1>
<div class="s" style="color:#c9d1d9">OpenAPI 3.1 document: <a style="color:#9ecbff" href="/v1/openapi.json">/v1/openapi.json</a></div></header>
<main id="root">Loading…</main>
<script src="/docs/app.js"></script></body></html>`;

// The page's script is served on its own so that the page's Content-Security-Policy can forbid inline scripts.
const SCRIPT = `
fetch('/v1/openapi.json').then(r=>r.json()).then(doc=>{
  const root=document.getElementById('root');root.textContent='';
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths)) for(const [method,op] of Object.entries(ops)) (byTag[op.tags[0]] ??= []).push({path,method,op});
  for(const [tag,list] of Object.entries(byTag)){
    const h=document.createElement('h2');h.textContent=tag;root.append(h);
    for(const {path,method,op} of list){
      const d=document.createElement('details');const s=document.createElement('summary');
      const m=document.createElement('span');m.className='m '+method;m.textContent=method.toUpperCase();
      const p=document.createElement('span');p.textContent=path+'  ';const t=document.createElement('span');t.className='s';t.textContent=op.summary+(op['x-required-scope']?' ['+op['x-required-scope']+']':'');
      s.append(m,p,t);d.append(s);
      const show=(label,obj)=>{if(!obj)return;const pre=document.createElement('pre');pre.textContent=label+'\\n'+JSON.stringify(obj,null,2);d.append(pre);};
      if(op.parameters&&op.parameters.length) show('parameters',op.parameters);
      if(op.requestBody) show('request body',op.requestBody.content['application/json'].schema);
      const ok=Object.entries(op.responses)[0]; show('response '+ok[0],ok[1].content['application/json'].schema);
      root.append(d);
    }
  }
});
`;

/** The page loads only its own script and the document; nothing inline runs, nothing else loads, nothing frames it. */
const docsHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    connectSrc: ["'self'"],
    styleSrc: ["'unsafe-inline'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

