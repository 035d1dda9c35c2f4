// A history chart: uPlot with the mean as a line and the min..max band.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { get } from './api.js';
import { fmtValue } from './format.js';

export function Chart({ resource, metric, range }) {
  const box = useRef(null);
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let plot = null;
    let gone = false;
    const width = Math.max(280, (box.current && box.current.clientWidth) || 600);
    get(`/api/v1/resources/${encodeURIComponent(resource)}/history?metric=${encodeURIComponent(metric)}&range=${range}&points=${Math.min(600, Math.floor(width / 2))}`)
      .then((res) => {
        if (gone) return;
        setState({ res });
        if (!res.points.length) return;
        const xs = res.points.map((p) => p[0]);
        const data = [xs, res.points.map((p) => p[1]), res.points.map((p) => p[2]), res.points.map((p) => p[3])];
        const css = getComputedStyle(document.documentElement);
        const line = css.getPropertyValue('--chart-line').trim() || '#2563eb';
        const band = css.getPropertyValue('--chart-band').trim() || 'rgba(37,99,235,0.25)';
        const axis = css.getPropertyValue('--fg-muted').trim() || '#666';
        const fmt = (u, v) => fmtValue(v, res.unit);
        plot = new uPlot(
          {
            width,
            height: 180,
            series: [
              {},
              { label: 'mean', stroke: line, width: 1.5, value: fmt },
              { label: 'min', stroke: band, value: fmt },
              { label: 'max', stroke: band, value: fmt },
            ],
            bands: [{ series: [3, 2], fill: band }],
            axes: [
              { stroke: axis, grid: { stroke: 'rgba(128,128,128,0.15)' } },
              { stroke: axis, size: 80, values: (u, vals) => vals.map((v) => fmtValue(v, res.unit)), grid: { stroke: 'rgba(128,128,128,0.15)' } },
            ],
            legend: { live: true },
          },
          data,
          box.current,
        );
      })
      .catch((err) => !gone && setState({ error: err.message.length > 140 ? err.message.slice(0, 140) + '…' : err.message }));
    return () => {
      gone = true;
      if (plot) plot.destroy();
    };
  }, [resource, metric, range]);

  const res = state.res;
  const n = res ? res.points.length : 0;
  return html`<figure class="chart" data-testid=${'chart-' + metric} data-points=${n}>
    <figcaption>
      <strong>${metric}</strong>
      ${res && html`<span class="muted"> ${res.kind === 'rate' ? 'rate per second, ' : ''}${res.tier} tier, ${n} points</span>`}
    </figcaption>
    ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
    ${res && !n && html`<p class="muted">No history in this range yet.</p>`}
    <div ref=${box} role="img" aria-label=${`${metric} over the last ${range}: ${n} points`}></div>
  </figure>`;
}
