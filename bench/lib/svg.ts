/** A tiny dependency-free SVG line chart: categorical x (connection levels), linear y from 0. */

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  /** One value per x; `null` leaves a gap. */
  values: Array<number | null>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xs: number[];
  series: Series[];
  width?: number;
  height?: number;
}

export const COLORS = { ours: '#2563eb', reference: '#ea580c' } as const;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round step so that about `count` steps cover `max`. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const factor =
    residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10;
  return factor * magnitude;
}

export function formatTick(value: number): string {
  if (value >= 1000) {
    const k = value / 1000;
    return `${Number.isInteger(k) ? k : k.toFixed(1)}k`;
  }
  return String(Math.round(value * 1000) / 1000);
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 360;
  const margin = { top: 64, right: 24, bottom: 52, left: 72 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const all = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const dataMax = all.length > 0 ? Math.max(...all) : 1;
  const step = niceStep(dataMax * 1.05);
  const yMax = Math.max(step, Math.ceil((dataMax * 1.05) / step) * step);
  const x = (i: number) =>
    margin.left + (spec.xs.length === 1 ? plotW / 2 : (plotW * (i + 0.5)) / spec.xs.length);
  const y = (v: number) => margin.top + plotH - (plotH * v) / yMax;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
  );

  // Grid and y ticks.
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const yy = fmt(y(v));
    out.push(
      `<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="#e5e7eb"/>`,
      `<text x="${margin.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#374151">${formatTick(v)}</text>`,
    );
  }
  // Axes.
  out.push(
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="#6b7280"/>`,
    `<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}" stroke="#6b7280"/>`,
  );
  spec.xs.forEach((xv, i) => {
    const xx = fmt(x(i));
    out.push(
      `<line x1="${xx}" y1="${margin.top + plotH}" x2="${xx}" y2="${margin.top + plotH + 5}" stroke="#6b7280"/>`,
      `<text x="${xx}" y="${margin.top + plotH + 18}" text-anchor="middle" fill="#374151">${xv}</text>`,
    );
  });
  out.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle" fill="#111827">${escapeXml(spec.xLabel)}</text>`,
    `<text x="16" y="${margin.top + plotH / 2}" text-anchor="middle" fill="#111827" transform="rotate(-90 16 ${margin.top + plotH / 2})">${escapeXml(spec.yLabel)}</text>`,
  );

  // Series: polyline segments between consecutive non-null points, plus markers.
  for (const s of spec.series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    let segment: string[] = [];
    const flush = () => {
      if (segment.length > 1) {
        out.push(
          `<polyline points="${segment.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
        );
      }
      segment = [];
    };
    s.values.forEach((v, i) => {
      if (v === null) return flush();
      segment.push(`${fmt(x(i))},${fmt(y(v))}`);
    });
    flush();
    s.values.forEach((v, i) => {
      if (v === null) return;
      out.push(
        `<circle cx="${fmt(x(i))}" cy="${fmt(y(v))}" r="3.5" fill="${s.color}"><title>${escapeXml(`${s.label} @ ${spec.xs[i]}: ${v}`)}</title></circle>`,
      );
    });
  }

  // Legend: rows under the title.
  let lx = margin.left;
  let ly = 38;
  for (const s of spec.series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (lx > margin.left && lx + 30 + s.label.length * 6.5 > width - margin.right) {
      lx = margin.left;
      ly += 16;
    }
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle" fill="#111827">${escapeXml(s.label)}</text>`,
    );
    lx += 42 + s.label.length * 6.5;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
