// Records a hash of the dashboard's sources in ../dist/source-hash.txt, so a
// Go test (core/internal/web) can tell when the committed build is stale
// without Node. Keep the algorithm in step with sourceHash in web_test.go.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('.', import.meta.url).pathname;
const inputs = ['index.html', 'package.json', 'package-lock.json', 'vite.config.js', 'stamp.mjs', 'src'];

function walk(p, out) {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p)) walk(join(p, e), out);
  } else {
    out.push(p);
  }
  return out;
}

const files = inputs.flatMap((i) => walk(join(root, i), [])).map((f) => relative(root, f)).sort();
const h = createHash('sha256');
for (const f of files) {
  const content = readFileSync(join(root, f)).toString('utf8').replace(/\r\n/g, '\n');
  h.update(f + '\n' + createHash('sha256').update(content).digest('hex') + '\n');
}
writeFileSync(join(root, '../dist/source-hash.txt'), h.digest('hex') + '\n');
console.log('stamped', files.length, 'source files');
