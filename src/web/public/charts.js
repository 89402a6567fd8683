// Time-series charts of the Sessions page, drawn by uPlot (served from node_modules as /vendor/uplot.mjs).
import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import { html } from "./api.js";

const PALETTE = ["#5b3cc4", "#e4572e", "#29a19c", "#f2a541", "#3f88c5", "#a23b72", "#6b8f71", "#8c564b"];
export const colorOf = (i) => PALETTE[i % PALETTE.length];

/** Outages are shaded in this colour on every chart, behind the lines. */
export const OUTAGE_FILL = "rgba(214, 40, 40, 0.22)";

/** Shades each outage ({ from, to } in seconds) across the plot area, under the series. */
function outagesPlugin(outages) {
  return {
    hooks: {
      drawAxes: [
        (u) => {
          const { ctx, bbox } = u;
          const [min, max] = [u.scales.x.min, u.scales.x.max];
          ctx.save();
          ctx.fillStyle = OUTAGE_FILL;
          for (const o of outages) {
            const from = Math.max(o.from, min);
            // An outage shorter than a pixel still shows, two pixels wide.
            const to = Math.min(Math.max(o.to, o.from + (max - min) / bbox.width * 2), max);
            if (to <= from) continue;
            const x0 = u.valToPos(from, "x", true);
            const x1 = u.valToPos(to, "x", true);
            ctx.fillRect(x0, bbox.top, Math.max(2, x1 - x0), bbox.height);
          }
          ctx.restore();
        },
      ],
    },
  };
}

/**
 * One chart: `times` in seconds, `lines` [{ label, color, values }]. Stacked charts draw running sums
 * (the legend still shows each line's own value), biggest first so each band shows.
 */
export function Chart({ title, times, lines, outages = [], stacked = false, unit = "", testid }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || times.length === 0) return undefined;
    const own = lines.map((l) => l.values);
    let drawn = own;
    if (stacked) {
      const sums = [];
      own.forEach((values, i) => sums.push(values.map((v, k) => (v ?? 0) + (i > 0 ? sums[i - 1][k] : 0))));
      drawn = sums;
    }
    const order = stacked ? lines.map((_, i) => lines.length - 1 - i) : lines.map((_, i) => i);
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, box.current.clientWidth || 640),
        height: 220,
        scales: { x: { time: true } },
        series: [
          {},
          ...order.map((i) => ({
            label: lines[i].label,
            stroke: lines[i].color,
            width: 2,
            fill: stacked ? `${lines[i].color}66` : undefined,
            value: (_u, _v, _si, idx) => (idx == null || own[i][idx] == null ? "—" : `${Math.round(own[i][idx])}${unit}`),
          })),
        ],
        axes: [{}, { size: 60 }],
        plugins: [outagesPlugin(outages)],
      },
      [times, ...order.map((i) => drawn[i])],
      box.current,
    );
    const resize = () => plot.setSize({ width: Math.max(320, box.current?.clientWidth || 640), height: 220 });
    addEventListener("resize", resize);
    return () => {
      removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [times, lines, outages, stacked]);
  return html`<figure class="chart" data-testid=${testid} aria-label=${title} ref=${box}></figure>`;
}
