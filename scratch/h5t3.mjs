import h5wasm, { ready } from 'h5wasm/node';
import { readFileSync, writeFileSync } from 'node:fs';
const Module = await ready;
Module.activate_throwing_error_handler();
const b = readFileSync('/work/shared/formats/nested.h5');
b[b.length-3000] ^= 0xff;
writeFileSync('/tmp/bad.h5', b);
try { const f = new h5wasm.File('/tmp/bad.h5','r'); console.log('opened', f.keys(), f.paths()); const d=f.get('fc2'); console.log(d.value.length); } catch(e) { console.log('ERR', typeof e, e?.message ?? e); }
