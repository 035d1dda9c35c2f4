// Formatting helpers.

export function fmtValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const u = unit || '';
  if (u.startsWith('ratio')) return (v * 100).toFixed(1) + ' %';
  if (u.startsWith('bytes')) return fmtBytes(v) + (u.endsWith('/s') ? '/s' : '');
  if (u.startsWith('seconds')) return fmtDuration(v) + (u.endsWith('/s') ? '/s' : '');
  if (u.startsWith('celsius')) return v.toFixed(1) + ' °C';
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return s + (u.endsWith('/s') ? '/s' : '');
}

export function fmtBytes(v) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
}

export function fmtDuration(s) {
  if (s < 120) return s.toFixed(0) + ' s';
  if (s < 7200) return (s / 60).toFixed(0) + ' min';
  if (s < 172800) return (s / 3600).toFixed(1) + ' h';
  return (s / 86400).toFixed(1) + ' d';
}

export function fmtTime(t) {
  if (!t) return '–';
  const d = new Date(t);
  if (Number.isNaN(d.getTime()) || d.getFullYear() < 2000) return '–';
  return d.toLocaleString();
}

export function ago(t) {
  if (!t) return '–';
  const s = (Date.now() - new Date(t).getTime()) / 1000;
  if (s < 0 || Number.isNaN(s)) return fmtTime(t);
  return fmtDuration(s) + ' ago';
}
