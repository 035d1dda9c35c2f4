// Thin client of the core's JSON API.

export async function get(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

// allows reports whether the core serves method on path (feature detection:
// the API answers OPTIONS with the methods a route takes, 404 when none).
export async function allows(path, method) {
  try {
    const r = await fetch(path, { method: 'OPTIONS' });
    return (r.headers.get('Allow') || '').split(/,\s*/).includes(method);
  } catch {
    return false;
  }
}

export async function post(path, body) {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(out.error || `${r.status} ${r.statusText}`);
  return out;
}

// subscribe calls onChange (debounced) for every change event of the live
// feed; it returns a function that closes the feed.
export function subscribe(onChange, waitMs = 1000) {
  if (typeof EventSource === 'undefined') return () => {};
  const es = new EventSource('/api/v1/events');
  let timer = null;
  es.addEventListener('change', (e) => {
    const ev = JSON.parse(e.data);
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      onChange(ev);
    }, waitMs);
  });
  return () => {
    clearTimeout(timer);
    es.close();
  };
}
