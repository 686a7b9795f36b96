// A dependency-free SVG line chart: recall@k of several series, for the benchmark results.

export interface Series {
  label: string;
  color: string;
  /** y in 0..1 for each x. */
  points: Array<{ x: number; y: number }>;
  dashed?: boolean;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Line chart with a categorical x axis (the given xs, evenly spaced) and y from 0 to 1. */
export function lineChart(title: string, xs: readonly number[], series: readonly Series[], xLabel = "k"): string {
  const W = 640;
  const H = 400;
  const m = { l: 56, r: 180, t: 40, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xAt = (x: number): number => m.l + (xs.length === 1 ? pw / 2 : (xs.indexOf(x) / (xs.length - 1)) * pw);
  const yAt = (y: number): number => m.t + (1 - y) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let i = 0; i <= 10; i += 2) {
    const y = yAt(i / 10);
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${m.l - 8}" y="${y + 4}" text-anchor="end">${(i / 10).toFixed(1)}</text>`);
  }
  for (const x of xs) out.push(`<text x="${xAt(x)}" y="${m.t + ph + 18}" text-anchor="middle">${x}</text>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  series.forEach((s, i) => {
    const path = s.points.map((p, j) => `${j ? "L" : "M"}${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${xAt(p.x).toFixed(1)}" cy="${yAt(p.y).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(s.label)} @${p.x}: ${p.y.toFixed(3)}</title></circle>`);
    }
    const ly = m.t + 10 + i * 20;
    out.push(`<line x1="${m.l + pw + 16}" x2="${m.l + pw + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${m.l + pw + 46}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
