// `npm run check:env`: keeps the hand-written `Env` of src/env.ts in step with wrangler.toml.
// `wrangler types` generates the bindings of every environment (one interface, a binding bound in
// only some environments optional); this compares them with src/env.ts, resolved by the
// TypeScript checker, and fails on any difference:
//  - a binding or var of wrangler.toml that Env lacks, or declares as another kind;
//  - a binding bound in only some environments that Env does not mark optional, or one bound in
//    every environment that Env marks optional;
//  - a binding (not a string) that Env declares but no environment binds;
//  - a string of Env that wrangler.toml does not set (a secret, an optional var) that is not optional.
// src/env.ts stays the one declaration (with its comments and typed Queue and namespace); nothing
// is generated into the tree.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { ROOT } from "./dev-lib.mjs";
import { wrangler } from "./wrangler-offline.mjs";

const ENV_FILE = path.join(ROOT, "src", "env.ts");

/** name -> { kind, optional } of Cloudflare.Env in wrangler's generated declaration file. */
function generatedBindings() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "memos-env-"));
  try {
    const out = path.join(dir, "worker-configuration.d.ts");
    // An empty env file: secrets of a local .dev.vars stay out, so the answer is wrangler.toml's alone.
    const noSecrets = path.join(dir, "empty.env");
    writeFileSync(noSecrets, "");
    wrangler(["types", out, "--include-runtime=false", "--strict-vars=false", "--env-file", noSecrets]);
    const source = ts.createSourceFile(out, readFileSync(out, "utf8"), ts.ScriptTarget.Latest, true);
    const bindings = new Map();
    const visit = (node) => {
      if (ts.isModuleDeclaration(node) && node.name.text === "Cloudflare" && node.body && ts.isModuleBlock(node.body)) {
        for (const statement of node.body.statements) {
          if (!ts.isInterfaceDeclaration(statement) || statement.name.text !== "Env") continue;
          for (const member of statement.members) {
            if (!ts.isPropertySignature(member) || !member.type) continue;
            bindings.set(member.name.getText(source), { kind: generatedKind(member.type, source), optional: !!member.questionToken });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (bindings.size === 0) throw new Error(`no Cloudflare.Env in wrangler's output:\n${readFileSync(out, "utf8")}`);
    return bindings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function generatedKind(type, source) {
  if (type.kind === ts.SyntaxKind.StringKeyword) return "string";
  if (ts.isTypeReferenceNode(type)) return type.typeName.getText(source);
  return type.getText(source);
}

/** name -> { kind, optional } of the Env interface of src/env.ts, each type resolved to its declaration's name. */
function declaredBindings() {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); },
  });
  const program = ts.createProgram([ENV_FILE], config.options);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(ENV_FILE);
  const decl = file.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === "Env");
  if (!decl) throw new Error("src/env.ts declares no interface Env");
  const bindings = new Map();
  for (const prop of checker.getPropertiesOfType(checker.getTypeAtLocation(decl.name))) {
    const type = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(prop, decl));
    let kind;
    if (type.flags & ts.TypeFlags.StringLike) kind = "string";
    else if (type.flags & ts.TypeFlags.Any) kind = "any (unresolved)";
    else {
      // A type written by name (`Fetcher`) is that name, even where the name is an alias of an anonymous shape.
      const node = prop.valueDeclaration;
      const ref = node && ts.isPropertySignature(node) && node.type && ts.isTypeReferenceNode(node.type) ? node.type.typeName.getText(file) : null;
      kind = ref ?? type.getSymbol()?.getName() ?? checker.typeToString(type);
    }
    bindings.set(prop.getName(), { kind, optional: (prop.flags & ts.SymbolFlags.Optional) !== 0 });
  }
  return bindings;
}

const generated = generatedBindings();
const declared = declaredBindings();
const problems = [];
const bound = [];
for (const [name, g] of generated) {
  const d = declared.get(name);
  const where = g.optional ? "bound in only some environments" : "bound in every environment";
  if (!d) {
    problems.push(`${name}: wrangler.toml has it (${g.kind}, ${where}) but Env in src/env.ts lacks it`);
    continue;
  }
  if (d.kind !== g.kind) {
    problems.push(`${name}: wrangler.toml makes it ${g.kind}, Env declares ${d.kind}`);
  } else if (g.kind !== "string" && g.optional !== d.optional) {
    problems.push(`${name}: ${where}, so Env should ${g.optional ? "mark it optional (?)" : "not mark it optional"}`);
  }
  bound.push(name);
}
const unbound = [];
for (const [name, d] of declared) {
  if (generated.has(name)) continue;
  if (d.kind !== "string") {
    problems.push(`${name}: Env declares a ${d.kind} binding that no environment of wrangler.toml binds`);
  } else if (!d.optional) {
    problems.push(`${name}: wrangler.toml does not set it (a secret or an optional var), so Env should mark it optional (?)`);
  } else {
    unbound.push(name);
  }
}

const envs = "every environment";
if (problems.length > 0) {
  console.error(`Env (src/env.ts) is out of step with wrangler.toml (${envs}):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`Env (src/env.ts) is in step with wrangler.toml (${envs}): ${bound.join(" ")}; ` +
  `not set by wrangler.toml (secrets, optional vars): ${unbound.join(" ")}`);
