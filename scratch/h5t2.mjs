import h5wasm, { ready } from 'h5wasm/node';
const Module = await ready;
console.log(typeof Module.activate_throwing_error_handler);
Module.activate_throwing_error_handler();
try { const f = new h5wasm.File('/work/shared/formats/fc1.npy','r'); console.log('opened', f.file_id); } catch(e) { console.log('ERR', typeof e, e?.message ?? e); }
const bytes = require === undefined ? 0 : 0;
