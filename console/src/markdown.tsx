// Markdown as Preact elements: marked's lexer reads the text, and each token becomes an element with
// text children only. No HTML from the text is ever injected (raw HTML shows as text), links only for http(s).
import { Lexer, type Token, type Tokens } from "marked";
import type { ComponentChildren } from "preact";

/** Splits YAML front matter (between `---` lines at the top) from the body. */
export function frontMatter(md: string): { meta: string | null; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(md);
  return m ? { meta: m[1] ?? "", body: md.slice(m[0].length) } : { meta: null, body: md };
}

const safeHref = (href: string): string | null => (/^https?:\/\//i.test(href) ? href : null);

function inline(tokens: Token[] | undefined): ComponentChildren {
  return (tokens ?? []).map((t, i) => {
    switch (t.type) {
      case "strong":
        return <strong key={i}>{inline((t as Tokens.Strong).tokens)}</strong>;
      case "em":
        return <em key={i}>{inline((t as Tokens.Em).tokens)}</em>;
      case "del":
        return <del key={i}>{inline((t as Tokens.Del).tokens)}</del>;
      case "codespan":
        return <code key={i}>{(t as Tokens.Codespan).text}</code>;
      case "br":
        return <br key={i} />;
      case "link": {
        const l = t as Tokens.Link;
        const href = safeHref(l.href);
        return href ? <a key={i} href={href} rel="noopener noreferrer nofollow" target="_blank">{inline(l.tokens)}</a> : <span key={i}>{inline(l.tokens)}</span>;
      }
      case "text": {
        const x = t as Tokens.Text;
        return x.tokens ? <span key={i}>{inline(x.tokens)}</span> : x.text;
      }
      case "escape":
        return (t as Tokens.Escape).text;
      default:
        // Images, raw HTML and anything else: their source as text.
        return t.raw;
    }
  });
}

function block(t: Token, i: number): ComponentChildren {
  switch (t.type) {
    case "heading": {
      const h = t as Tokens.Heading;
      // The page has its h1; the document's levels start one below.
      const level = Math.min(6, h.depth + 1);
      const H = `h${level}` as "h2";
      return <H key={i}>{inline(h.tokens)}</H>;
    }
    case "paragraph":
      return <p key={i}>{inline((t as Tokens.Paragraph).tokens)}</p>;
    case "list": {
      const l = t as Tokens.List;
      const items = l.items.map((it, j) => <li key={j}>{it.tokens.map((x, k) => (x.type === "text" ? <span key={k}>{inline((x as Tokens.Text).tokens ?? [x])}</span> : block(x, k)))}</li>);
      return l.ordered ? <ol key={i} start={typeof l.start === "number" ? l.start : undefined}>{items}</ol> : <ul key={i}>{items}</ul>;
    }
    case "code":
      return <pre key={i} class="json"><code>{(t as Tokens.Code).text}</code></pre>;
    case "blockquote":
      return <blockquote key={i}>{(t as Tokens.Blockquote).tokens.map(block)}</blockquote>;
    case "hr":
      return <hr key={i} />;
    case "space":
      return null;
    case "table": {
      const tb = t as Tokens.Table;
      return (
        <table key={i} class="table">
          <thead><tr>{tb.header.map((c, j) => <th key={j} scope="col">{inline(c.tokens)}</th>)}</tr></thead>
          <tbody>{tb.rows.map((r, j) => <tr key={j}>{r.map((c, k) => <td key={k}>{inline(c.tokens)}</td>)}</tr>)}</tbody>
        </table>
      );
    }
    case "text": {
      const x = t as Tokens.Text;
      return <p key={i}>{inline(x.tokens ?? [x])}</p>;
    }
    default:
      return <p key={i}>{t.raw}</p>;
  }
}

/** Renders markdown text safely; front matter is shown as it is written, in a block of its own. */
export function Markdown({ text }: { text: string }) {
  const { meta, body } = frontMatter(text);
  const tokens = Lexer.lex(body, { gfm: true });
  return (
    <div class="markdown">
      {meta !== null ? <pre class="json front-matter" aria-label="Front matter">{meta}</pre> : null}
      {tokens.map(block)}
    </div>
  );
}
