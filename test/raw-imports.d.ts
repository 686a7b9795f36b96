// Types for Vite's `?raw` imports in tests (a file's text as a string, e.g. the README).
declare module "*?raw" {
  const text: string;
  export default text;
}
