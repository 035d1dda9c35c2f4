// The Pulse dashboard: overview, resources, a resource's page, alerts,
// recovery points and (when the core has them) agents and tokens. Plain
// Preact with htm; the core serves it from go:embed.
import { render } from 'preact';
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { allows, get, post, subscribe } from './api.js';
import { Chart } from './chart.js';
import { ago, fmtBytes, fmtTime, fmtValue } from './format.js';
import './style.css';

// ---- routing ---------------------------------------------------------------

function navigate(path) {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

function useLocation() {
  const [loc, setLoc] = useState(location.pathname + location.search);
  useEffect(() => {
    const on = () => setLoc(location.pathname + location.search);
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return loc;
}

// useData loads fn() and reloads it on every live change event.
function useData(fn, deps) {
  const [st, setSt] = useState({ loading: true });
  const load = useCallback(() => {
    fn().then(
      (data) => setSt({ data }),
      (err) => setSt((s) => ({ data: s.data, error: err.message })),
    );
  }, deps);
  useEffect(() => {
    load();
    return subscribe(load);
  }, [load]);
  return [st, load];
}

// ---- platforms: state comes from the governed model, by rule ----------------

let platformStates = {};
// vocabulary maps the canonical metric names to their definitions.
let vocabulary = {};

// PlatformName shows a platform id with its support state from the model: a
// platform that is not supported is labelled with its state (vSphere:
// "admitted, not supported"), wherever it appears.
function PlatformName({ id }) {
  const state = platformStates[id];
  if (!id) return '–';
  if (!state || state === 'supported') return html`<span class="platform">${id}</span>`;
  return html`<span class="platform">${id}
    <span class="badge badge-admitted" title="This platform is ${state}: implemented to its proposed floor, not a support claim">${state}, not supported</span></span>`;
}

function Status({ value, stale }) {
  const cls = stale ? 'stale' : ['online', 'running', 'ok'].includes(value) ? 'good' : ['offline', 'stopped', 'failed', 'degraded'].includes(value) ? 'bad' : 'neutral';
  return html`<span class=${'status status-' + cls}>${value}${stale ? ' (stale)' : ''}</span>`;
}

function Severity({ value }) {
  return html`<span class=${'sev sev-' + value}>${value}</span>`;
}

function Err({ msg }) {
  return msg ? html`<p class="error" role="alert">${msg}</p>` : null;
}

// ---- overview ---------------------------------------------------------------

function Counts({ title, counts, testid, render: r }) {
  const keys = Object.keys(counts || {}).sort();
  return html`<section class="card">
    <h2>${title}</h2>
    ${keys.length === 0 && html`<p class="muted">None.</p>`}
    <dl class="counts">
      ${keys.map((k) => html`<div><dt>${r ? r(k) : k}</dt><dd data-testid=${testid + '-' + k}>${counts[k]}</dd></div>`)}
    </dl>
  </section>`;
}

function Overview() {
  const [st] = useData(
    () => Promise.all([get('/api/v1/summary'), get('/api/v1/connections'), get('/api/v1/alerts?state=firing&limit=10'), get('/api/v1/resources?stale=true&limit=10&sort=-last_seen'), get('/api/v1/platforms')]),
    [],
  );
  if (!st.data) return html`<${Err} msg=${st.error} />${st.loading && html`<p>Loading…</p>`}`;
  const [sum, conns, alerts, stale, plats] = st.data;
  return html`<h1>Overview</h1>
    <${Err} msg=${st.error} />
    <div class="tiles">
      <${Link} class="tile" href="/resources"><span class="big" data-testid="count-total">${sum.resources}</span> resources<//>
      <${Link} class="tile" href="/resources?stale=true"><span class="big" data-testid="count-stale">${sum.stale}</span> stale<//>
      <${Link} class="tile" href="/alerts"><span class="big" data-testid="count-alerts">${alerts.total}</span> firing alerts<//>
      <div class="tile"><span class="big" data-testid="count-connections">${conns.connections.length}</span> connections</div>
    </div>
    <section class="card">
      <h2>Connections</h2>
      <table>
        <thead><tr><th scope="col">Platform</th><th scope="col">Connection</th><th scope="col">State</th><th scope="col">Resources</th><th scope="col">Last poll</th><th scope="col">Last error</th></tr></thead>
        <tbody>
          ${conns.connections.map(
            (c) => html`<tr data-testid="connection-row">
              <td><${PlatformName} id=${c.platform} /></td>
              <td><${Link} href=${'/resources?connection=' + encodeURIComponent(c.name)}>${c.name}<//></td>
              <td><${Status} value=${c.state} /></td>
              <td>${c.resources}</td>
              <td>${ago(c.last_poll)}</td>
              <td class="wrap">${c.last_error || ''}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <div class="grid2">
      <${Counts} title="By platform" counts=${sum.by_platform} testid="count-platform" render=${(k) => html`<${PlatformName} id=${k} />`} />
      <${Counts} title="By type" counts=${sum.by_type} testid="count-type" />
    </div>
    <div class="grid2">
      <section class="card">
        <h2>Firing alerts</h2>
        ${alerts.alerts.length === 0 && html`<p class="muted">No alerts are firing.</p>`}
        <ul class="plain">
          ${alerts.alerts.map((a) => html`<li><${Severity} value=${a.severity} /> ${a.resource ? html`<${Link} href=${'/resources/' + a.resource}>${a.message}<//>` : a.message} <span class="muted">${ago(a.started)}</span></li>`)}
        </ul>
      </section>
      <section class="card">
        <h2>Stale data</h2>
        ${stale.total === 0 && html`<p class="muted">Every resource is fresh.</p>`}
        <ul class="plain">
          ${stale.resources.map((r) => html`<li><${Link} href=${'/resources/' + r.id}>${r.name}<//> <span class="muted">${r.stale_reason || ''} · last seen ${ago(r.last_seen)}</span></li>`)}
        </ul>
      </section>
    </div>
    <${SupportMatrix} platforms=${plats.platforms} />`;
}

function SupportMatrix({ platforms }) {
  const surfaces = ['setup', 'visibility', 'workloads', 'storage', 'recovery', 'alerts', 'assistant-read', 'assistant-control'];
  const shown = platforms.filter((p) => p.support_floor || p.proposed_floor);
  return html`<section class="card">
    <h2>Support matrix</h2>
    <p class="muted">From the governed platform model. An admitted platform's floor is proposed, not a support claim.</p>
    <div class="scroll">
      <table data-testid="support-matrix">
        <thead><tr><th scope="col">Platform</th><th scope="col">State</th>${surfaces.map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
        <tbody>
          ${shown.map((p) => {
            const floor = p.support_floor || p.proposed_floor || {};
            return html`<tr class=${p.state !== 'supported' ? 'admitted' : ''}>
              <th scope="row"><${PlatformName} id=${p.id} /></th>
              <td>${p.state === 'supported' ? 'supported' : p.state + ' (proposed floor)'}</td>
              ${surfaces.map((s) => html`<td>${!floor[s] ? '–' : p.state === 'supported' ? floor[s] : html`<span class="muted">proposed:</span> ${floor[s]}`}</td>`)}
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}

// ---- resources --------------------------------------------------------------

const TYPES = ['agent', 'vm', 'system-container', 'app-container', 'docker-service', 'k8s-cluster', 'k8s-node', 'pod', 'k8s-deployment', 'storage', 'ceph', 'physical-disk', 'pbs', 'pmg'];
const STATUSES = ['online', 'offline', 'running', 'stopped', 'paused', 'suspended', 'degraded', 'maintenance', 'unknown'];
const PAGE = 50;

function Select({ label, name, value, options, onChange, render: r }) {
  return html`<label>${label}
    <select name=${name} value=${value} onChange=${(e) => onChange(name, e.target.value)}>
      <option value="">any</option>
      ${options.map((o) => html`<option value=${o}>${r ? r(o) : o}</option>`)}
    </select></label>`;
}

function Resources({ query }) {
  const init = new URLSearchParams(query);
  const [f, setF] = useState({
    q: init.get('q') || '', type: init.get('type') || '', platform: init.get('platform') || '',
    connection: init.get('connection') || '', status: init.get('status') || '', stale: init.get('stale') || '',
  });
  const [sort, setSort] = useState(init.get('sort') || 'type');
  const [cursors, setCursors] = useState(['']);
  const cursor = cursors[cursors.length - 1];
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) params.set(k, v);
  params.set('sort', sort);
  params.set('limit', PAGE);
  if (cursor) params.set('cursor', cursor);
  const qs = params.toString();
  const [st] = useData(() => Promise.all([get('/api/v1/resources?' + qs), get('/api/v1/connections')]), [qs]);
  const set = (k, v) => {
    setF({ ...f, [k]: v });
    setCursors(['']);
  };
  const sortBy = (k) => {
    setSort(sort === k ? '-' + k : k);
    setCursors(['']);
  };
  const th = (k, label) => {
    const dir = sort === k ? 'ascending' : sort === '-' + k ? 'descending' : 'none';
    return html`<th scope="col" aria-sort=${dir}><button class="sort" onClick=${() => sortBy(k)}>${label}${dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : ''}</button></th>`;
  };
  const data = st.data && st.data[0];
  const conns = st.data ? [...new Set(st.data[1].connections.map((c) => c.name))].sort() : [];
  const plats = Object.keys(platformStates).sort();
  return html`<h1>Resources</h1>
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <label>Search <input type="search" name="q" value=${f.q} placeholder="name or id" onInput=${(e) => set('q', e.target.value)} /></label>
      <${Select} label="Platform" name="platform" value=${f.platform} options=${plats} onChange=${set} render=${(p) => (platformStates[p] !== 'supported' ? `${p} (${platformStates[p]}, not supported)` : p)} />
      <${Select} label="Type" name="type" value=${f.type} options=${TYPES} onChange=${set} />
      <${Select} label="Connection" name="connection" value=${f.connection} options=${conns} onChange=${set} />
      <${Select} label="Status" name="status" value=${f.status} options=${STATUSES} onChange=${set} />
      <${Select} label="Stale" name="stale" value=${f.stale} options=${['true', 'false']} onChange=${set} />
    </form>
    <${Err} msg=${st.error} />
    ${data && html`<p class="muted" aria-live="polite"><span data-testid="resource-total">${data.total}</span> matching · showing ${data.count}</p>
      <div class="scroll"><table data-testid="resource-table">
        <thead><tr>${th('name', 'Name')}${th('type', 'Type')}${th('platform', 'Platform / connection')}${th('status', 'Status')}${th('last_seen', 'Last seen')}</tr></thead>
        <tbody>
          ${data.resources.map(
            (r) => html`<tr data-testid="resource-row">
              <td><${Link} href=${'/resources/' + r.id}>${r.name}<//></td>
              <td>${r.type}</td>
              <td><${PlatformName} id=${r.platform} /> / ${r.connection}${r.sources.length > 1 ? html` <span class="badge">+${r.sources.length - 1} augmenting</span>` : ''}</td>
              <td><${Status} value=${r.status} stale=${r.stale} /></td>
              <td>${ago(r.last_seen)}</td>
            </tr>`,
          )}
        </tbody>
      </table></div>
      <nav class="pager" aria-label="Pages">
        <button disabled=${cursors.length === 1} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous</button>
        <span>Page ${cursors.length}</span>
        <button disabled=${!data.next_cursor} onClick=${() => setCursors([...cursors, data.next_cursor])}>Next</button>
      </nav>`}`;
}

// ---- one resource -----------------------------------------------------------

const RANGES = ['1h', '6h', '24h', '7d', '30d', '1y'];

function ResourcePage({ id }) {
  const [st] = useData(() => get('/api/v1/resources/' + encodeURIComponent(id)), [id]);
  const [range, setRange] = useState('1h');
  if (!st.data) return html`<${Err} msg=${st.error} />${st.loading && html`<p>Loading…</p>`}`;
  const r = st.data;
  let attrs = r.attributes;
  const names = [...new Set(r.metrics.map((m) => m.name))].sort();
  const metrics = names.filter((n) => vocabulary[n]);
  const outside = names.filter((n) => !vocabulary[n]);
  return html`<p><${Link} href="/resources">← Resources<//></p>
    <h1>${r.name} <span class="muted small">${r.type}</span></h1>
    <p><${Status} value=${r.status} stale=${r.stale} /> ${r.stale && html`<span class="muted">${r.stale_reason} since ${fmtTime(r.stale_since)}</span>`}</p>
    <div class="grid2">
      <section class="card">
        <h2>Sources</h2>
        <table>
          <thead><tr><th scope="col">Role</th><th scope="col">Platform</th><th scope="col">Connection</th><th scope="col">Native id</th><th scope="col">Last seen</th></tr></thead>
          <tbody>${r.sources.map((s) => html`<tr><td><span class=${'badge role-' + s.role}>${s.role === 'primary' ? 'primary' : 'augmenting'}</span></td><td><${PlatformName} id=${s.platform} /></td><td>${s.connection}</td><td><code>${s.native_id}</code></td><td>${ago(s.last_seen)}${s.stale ? ' (stale)' : ''}</td></tr>`)}</tbody>
        </table>
        <h2>Identity</h2>
        ${(r.identity || []).length === 0 && html`<p class="muted">No identity keys.</p>`}
        <ul class="plain">${(r.identity || []).map((k) => html`<li><code>${k.kind}</code> ${k.value}</li>`)}</ul>
        <h2>Relationships</h2>
        ${r.relationships.length === 0 && html`<p class="muted">None.</p>`}
        <ul class="plain">${r.relationships.map((l) => {
          const t = (r.related || {})[l.target];
          return html`<li>${l.kind} <${Link} href=${'/resources/' + encodeURIComponent(l.target)}>${t ? t.name : l.target}<//>${t && html` <span class="muted">${t.type}</span>`}</li>`;
        })}</ul>
      </section>
      <section class="card">
        <h2>Current metrics</h2>
        <table><tbody>${r.metrics.map((m) => html`<tr><th scope="row">${m.name}</th><td>${fmtValue(m.value, (vocabulary[m.name] || {}).unit || m.unit || unitOf(m.name))}</td><td class="muted">${ago(m.time)}</td></tr>`)}</tbody></table>
        <h2>Attributes</h2>
        ${attrs ? html`<pre class="attrs">${JSON.stringify(attrs, null, 2)}</pre>` : html`<p class="muted">None.</p>`}
        ${r.topology && html`<h2>Topology</h2><ul class="plain">${Object.entries(r.topology).map(([k, v]) => html`<li>${k}: ${v}</li>`)}</ul>`}
      </section>
    </div>
    <section class="card">
      <h2>History</h2>
      <div class="ranges" role="group" aria-label="Range">
        ${RANGES.map((x) => html`<button aria-pressed=${x === range} onClick=${() => setRange(x)}>${x}</button>`)}
      </div>
      ${metrics.length === 0 && html`<p class="muted">This resource reports no metrics.</p>`}
      <div class="charts">${metrics.map((m) => html`<${Chart} resource=${r.id} metric=${m} range=${range} key=${m + range} />`)}</div>
      ${outside.length > 0 && html`<p class="muted small">No history for names outside the metric vocabulary: ${outside.join(', ')}.</p>`}
    </section>
    <div class="grid2">
      <section class="card"><h2>Alerts</h2><${AlertList} alerts=${r.alerts} /></section>
      <section class="card"><h2>Recovery points</h2><${RecoveryTable} points=${r.recovery_points} /></section>
    </div>`;
}

function unitOf(name) {
  if (name.endsWith('_ratio')) return 'ratio';
  if (name.endsWith('_bytes') || name.endsWith('_bytes_total')) return 'bytes';
  if (name.endsWith('_seconds')) return 'seconds';
  if (name.endsWith('_celsius')) return 'celsius';
  return '';
}

// ---- alerts -----------------------------------------------------------------

let ackSupported = null;

async function canAck(id) {
  if (ackSupported === null) ackSupported = await allows(`/api/v1/alerts/${encodeURIComponent(id)}/ack`, 'POST');
  return ackSupported;
}

function AlertList({ alerts, onChange }) {
  const [can, setCan] = useState(false);
  const [msg, setMsg] = useState('');
  useEffect(() => {
    if (alerts.length) canAck(alerts[0].id).then(setCan);
  }, [alerts.length]);
  if (!alerts.length) return html`<p class="muted">No alerts.</p>`;
  const ack = async (a) => {
    try {
      await post(`/api/v1/alerts/${encodeURIComponent(a.id)}/ack`);
      setMsg(`Acknowledged: ${a.message}`);
      onChange && onChange();
    } catch (err) {
      setMsg(err.message);
    }
  };
  return html`<div>
    ${msg && html`<p role="status" data-testid="ack-status">${msg}</p>`}
    <table>
      <thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Source</th><th scope="col">Started</th><th scope="col">State</th></tr></thead>
      <tbody>
        ${alerts.map((a) => {
          const acked = a.acknowledged || a.acknowledged_at || a.ack;
          return html`<tr data-testid="alert-row">
            <td><${Severity} value=${a.severity} /></td>
            <td>${a.resource ? html`<${Link} href=${'/resources/' + a.resource}>${a.message}<//>` : a.message} <span class="muted">${a.kind}</span></td>
            <td><${PlatformName} id=${a.platform} /> / ${a.connection}</td>
            <td>${fmtTime(a.started || a.fired_at || a.since)}</td>
            <td>${a.cleared || a.resolved_at ? 'cleared ' + ago(a.cleared || a.resolved_at) : acked ? html`<span data-testid="acked">acknowledged</span>` : can ? html`<button data-testid="ack" onClick=${() => ack(a)}>Acknowledge</button>` : (a.state || 'firing')}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${!can && html`<p class="muted small">This core does not offer acknowledgement.</p>`}
  </div>`;
}

function Alerts() {
  const [cleared, setCleared] = useState(false);
  const [st, reload] = useData(() => get('/api/v1/alerts?limit=500&include_cleared=' + cleared), [cleared]);
  return html`<h1>Alerts</h1>
    <label><input type="checkbox" checked=${cleared} onChange=${(e) => setCleared(e.target.checked)} /> include cleared</label>
    <${Err} msg=${st.error} />
    ${st.data && html`<p class="muted">${st.data.total} alerts</p><${AlertList} alerts=${st.data.alerts} onChange=${reload} />`}`;
}

// ---- recovery points -------------------------------------------------------

function RecoveryTable({ points }) {
  if (!points.length) return html`<p class="muted">No recovery points.</p>`;
  return html`<table>
    <thead><tr><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Resource</th><th scope="col">Platform</th><th scope="col">Size</th><th scope="col">Storage</th></tr></thead>
    <tbody>${points.map((p) => html`<tr><td>${fmtTime(p.time)}</td><td>${p.kind}</td><td><${Link} href=${'/resources/' + p.resource}>${p.resource}<//></td><td><${PlatformName} id=${p.platform} /></td><td>${p.size_bytes ? fmtBytes(p.size_bytes) : '–'}</td><td>${p.storage || '–'}</td></tr>`)}</tbody>
  </table>`;
}

function RecoveryPoints() {
  const [st] = useData(() => get('/api/v1/recovery-points?limit=500'), []);
  return html`<h1>Recovery points</h1><${Err} msg=${st.error} />
    ${st.data && html`<p class="muted">${st.data.total} recovery points</p><${RecoveryTable} points=${st.data.recovery_points} />`}`;
}

// ---- agents and tokens (when the core has them) ----------------------------

function Agents() {
  const [st] = useData(() => Promise.all([get('/api/v1/agents'), get('/api/v1/tokens').catch(() => null)]), []);
  if (!st.data) return html`<h1>Agents</h1><${Err} msg=${st.error} />`;
  const [agents, tokens] = st.data;
  const list = agents.agents || [];
  const toks = tokens ? tokens.tokens || [] : [];
  return html`<h1>Agents</h1>
    <table><thead><tr><th scope="col">Agent</th><th scope="col">Fingerprint</th><th scope="col">State</th><th scope="col">Last report</th></tr></thead>
    <tbody>${list.map((a) => html`<tr><td>${a.name || a.hostname || a.id}</td><td><code>${a.fingerprint || ''}</code></td><td>${a.state || a.status || ''}</td><td>${ago(a.last_report || a.last_seen)}</td></tr>`)}</tbody></table>
    ${tokens && html`<h2>Tokens</h2><table><thead><tr><th scope="col">Token</th><th scope="col">Scopes</th><th scope="col">Expires</th></tr></thead>
      <tbody>${toks.map((t) => html`<tr><td>${t.name || t.id}</td><td>${(t.scopes || []).join(', ')}</td><td>${fmtTime(t.expires_at || t.expires)}</td></tr>`)}</tbody></table>`}`;
}

// ---- the app ----------------------------------------------------------------

function App() {
  const loc = useLocation();
  const [ready, setReady] = useState(false);
  const [hasAgents, setHasAgents] = useState(false);
  useEffect(() => {
    Promise.all([get('/api/v1/platforms'), get('/api/v1/vocabulary').catch(() => ({ metrics: [] }))]).then(([p, v]) => {
      platformStates = Object.fromEntries(p.platforms.map((x) => [x.id, x.state]));
      vocabulary = Object.fromEntries(v.metrics.map((m) => [m.name, m]));
      setReady(true);
    }, () => setReady(true));
    fetch('/api/v1/agents', { method: 'HEAD' }).then((r) => setHasAgents(r.ok), () => {});
  }, []);
  const [path, query] = loc.split('?');
  let view;
  if (!ready) view = html`<p>Loading…</p>`;
  else if (path === '/') view = html`<${Overview} />`;
  else if (path === '/resources') view = html`<${Resources} query=${query || ''} key=${query} />`;
  else if (path.startsWith('/resources/')) view = html`<${ResourcePage} id=${decodeURIComponent(path.slice('/resources/'.length))} />`;
  else if (path === '/alerts') view = html`<${Alerts} />`;
  else if (path === '/recovery-points') view = html`<${RecoveryPoints} />`;
  else if (path === '/agents') view = html`<${Agents} />`;
  else view = html`<h1>Not found</h1><p><${Link} href="/">Overview<//></p>`;
  const nav = [['/', 'Overview'], ['/resources', 'Resources'], ['/alerts', 'Alerts'], ['/recovery-points', 'Recovery points']];
  if (hasAgents) nav.push(['/agents', 'Agents']);
  const current = (h) => (h === '/' ? path === '/' : path.startsWith(h));
  return html`<header class="top">
      <${Link} class="brand" href="/">Pulse<//>
      <nav aria-label="Main"><ul>${nav.map(([h, l]) => html`<li><${Link} href=${h} aria-current=${current(h) ? 'page' : undefined}>${l}<//></li>`)}</ul></nav>
    </header>
    <main id="main">${view}</main>`;
}

render(html`<${App} />`, document.getElementById('app'));
