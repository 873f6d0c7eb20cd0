import { crc32 as z } from 'node:zlib';
const buf = new Uint8Array(256*1024*1024); for (let i=0;i<buf.length;i+=4096) buf[i]=i&255;
let t=process.hrtime.bigint(); const a=z(buf); console.log('zlib', Number(process.hrtime.bigint()-t)/1e6,'ms');
let table=new Uint32Array(256); for(let n=0;n<256;n++){let c=n;for(let k=0;k<8;k++)c=c&1?0xedb88320^(c>>>1):c>>>1;table[n]=c>>>0;}
t=process.hrtime.bigint(); let v=0xffffffff; for(let i=0;i<buf.length;i++) v=table[(v^buf[i])&0xff]^(v>>>8); v=(v^0xffffffff)>>>0; console.log('js', Number(process.hrtime.bigint()-t)/1e6,'ms', v===a);
