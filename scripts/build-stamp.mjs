// The build's fingerprint: a hash of everything `npm run build` compiles
// (src/, assembly/, the tsconfig files and the wasm build script). Run at the
// end of `npm run build`, it writes dist/build-stamp.json; the test suite's
// global setup (test/global-setup.ts) compares it with the sources and builds
// only when they changed, so tests never run an old dist/ and a fresh
// `npm ci && npm test` builds once.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', 'build-stamp.json');
const INPUTS = ['src', 'assembly', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build-wasm.mjs', 'package-lock.json'];

function listFiles(relative) {
  const full = path.join(root, relative);
  let stats;
  try {
    stats = statSync(full);
  } catch {
    return [];
  }
  if (!stats.isDirectory()) return [relative];
  return readdirSync(full)
    .sort()
    .flatMap((name) => listFiles(path.join(relative, name)));
}

/** Hash of the build's inputs: their paths and contents. */
export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(listFiles)) {
    hash.update(file.split(path.sep).join('/')).update('\0').update(readFileSync(path.join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Whether dist/ was built from the current sources. */
export function isBuildCurrent() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).sourceHash === sourceHash();
  } catch {
    return false;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(STAMP, `${JSON.stringify({ sourceHash: sourceHash() })}\n`);
}
