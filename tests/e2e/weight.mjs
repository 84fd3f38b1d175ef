// What a learner's browser downloads from a built dist/, raw and gzip -9, in three parts:
// what the first paint needs (the HTML, the CSS, the app's JS and wasm: the page, which
// only draws), what the run loads once the page is up (the run worker and the broker
// worker, wasm and JS), and the scenario and lesson files fetched when chosen. Used by
// the page-weight benchmark and by the budget test (issue 16 point 7).

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const FIRST_PAINT = 'first paint';
export const THE_RUN = 'the run';
export const WHEN_CHOSEN = 'when chosen';

const part = (name) => {
  if (name === 'index.html' || name.endsWith('.css') || /^app-.*\.(js|wasm)$/.test(name)) return FIRST_PAINT;
  if (/^(run|node)_worker/.test(name)) return THE_RUN;
  return WHEN_CHOSEN;
};

// { sums: { [part]: { raw, gz } }, files: [{ name, raw, gz, part }] } of the files in dist.
export function pageWeight(dist) {
  const sums = {};
  const files = [];
  const walk = (dir) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (fs.statSync(file).isDirectory()) { walk(file); continue; }
      const bytes = fs.readFileSync(file);
      const gz = zlib.gzipSync(bytes, { level: 9 }).length;
      // Only top-level files can be the page's or the run's; subfolders are scenarios and lessons.
      const p = path.relative(dist, file).includes(path.sep) ? WHEN_CHOSEN : part(name);
      sums[p] = sums[p] || { raw: 0, gz: 0 };
      sums[p].raw += bytes.length;
      sums[p].gz += gz;
      files.push({ name, raw: bytes.length, gz, part: p });
    }
  };
  walk(dist);
  return { sums, files };
}
