import h5wasm from 'h5wasm/node';
await h5wasm.ready;
const f = new h5wasm.File('/work/shared/formats/nested.h5', 'r');
console.log(f.keys(), f.paths?.());
const b = f.get('/block1');
console.log(b.constructor.name, b.keys());
const d = f.get('/fc2');
console.log(d.constructor.name, d.shape, d.dtype, d.metadata, d.filters, d.value.constructor.name, d.value.length);
console.log(f.get('/nope'));
f.close();
try { new h5wasm.File('/work/shared/formats/fc1.npy','r'); } catch(e) { console.log('ERR', e.message); }
console.log(Object.keys(h5wasm), typeof h5wasm.FS);
