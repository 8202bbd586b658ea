// The size-dependent part of the cold start: `new WebAssembly.Module`
// (V8 decodes and validates every function; compilation itself is lazy)
// of each given .wasm, each in a fresh process, the files interleaved so
// machine load falls on all alike; medians of 15.
// Usage: node bench/wasm-compile.mjs a.wasm b.wasm ...
import { execFileSync } from 'node:child_process';
const files = process.argv.slice(2);
const runs = 15;
const times = Object.fromEntries(files.map((f) => [f, []]));
const code = (f) => `const b=require('fs').readFileSync(${JSON.stringify(f)});const t=performance.now();new WebAssembly.Module(b);process.stdout.write(String(performance.now()-t))`;
for (let i = 0; i < runs; i++) for (const f of files) times[f].push(Number(execFileSync(process.execPath, ['-e', code(f)], { encoding: 'utf8' })));
for (const f of files) { const s = times[f].sort((a, b) => a - b); console.log(f, 'median', s[Math.floor(runs / 2)].toFixed(2), 'ms'); }
