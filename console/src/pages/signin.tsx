// Sign in with an API key (checked against the API, kept in sessionStorage), and nothing else.
import { useState } from "preact/hooks";
import { checkKey, explain, session } from "../api";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin" id="main">
      <h1>memos-edge console</h1>
      <p>Sign in with an API key (<code>mk_…</code>). Under <code>npm run dev</code> the development key is printed at start and kept in <code>.dev.vars</code> (<code>DEV_API_KEY</code>).</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const input = (e.currentTarget as HTMLFormElement).elements.namedItem("key") as HTMLInputElement;
          const key = input.value.trim();
          if (!key) {
            setError("Paste an API key first.");
            return;
          }
          setBusy(true);
          setError(null);
          try {
            await checkKey(key);
            session.set(key);
            input.value = "";
            onSignedIn();
          } catch (err) {
            const e2 = explain(err);
            // A scoped key without memories:read still signs in: its pages say what they need.
            if (e2.code === "forbidden") {
              session.set(key);
              onSignedIn();
            } else setError(e2.code === "unauthorized" ? "This key was refused: check that it is complete and not revoked." : `${e2.title}. ${e2.hint}`);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" spellcheck={false} required aria-describedby="key-note" />
        <p id="key-note" class="muted small">Kept in this tab's session storage only, sent as an Authorization header; never put in a URL.</p>
        <button type="submit" disabled={busy}>{busy ? "Checking…" : "Sign in"}</button>
        <p class="notice notice-bad" role="alert">{error ?? ""}</p>
      </form>
    </main>
  );
}
