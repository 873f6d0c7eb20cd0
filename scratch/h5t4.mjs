import h5wasm, { ready } from 'h5wasm/node';
const Module = await ready;
Module.activate_throwing_error_handler();
const f = new h5wasm.File('/tmp/w.h5','w');
f.create_group('g');
f.get('g').create_dataset({name:'a', data: new Float64Array([1,2,3,4,5,6]), shape:[2,3], chunks:[1,3], compression:'gzip'});
f.create_dataset({name:'i64', data: new BigInt64Array([1n,-2n,3n,4n]), shape:[2,2]});
f.create_dataset({name:'u8', data: new Uint8Array([1,2,3,4]), shape:[2,2]});
f.create_dataset({name:'s', data: ['x','y']});
f.close();
const r = new h5wasm.File('/tmp/w.h5','r');
for (const p of r.paths()) { const e = r.get(p); console.log(p, e?.constructor?.name, e instanceof h5wasm.Dataset, e.shape, e.dtype, e.metadata?.type, e.value?.constructor?.name); }
r.close();
try { new h5wasm.File('/nonexist.h5','r'); } catch(e) { console.log(typeof e, e instanceof Error, String(e).split('\n').slice(-3)); }
