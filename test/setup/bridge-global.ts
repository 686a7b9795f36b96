// vitest globalSetup of the root suite: starts the gpu-bridge and a vLLM stand-in for the e2e tests.
// The Node code is gpu-bridge/test/e2e-global.ts; it is imported through a variable so that this project's
// tsc, which checks test/ with Workers types only, does not follow it into Node code.
const impl: string = "../../gpu-bridge/test/e2e-global.ts";

export default async function setup(): Promise<() => Promise<void>> {
  const mod = (await import(/* @vite-ignore */ impl)) as { default: () => Promise<() => Promise<void>> };
  return mod.default();
}
