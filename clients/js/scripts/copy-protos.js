#!/usr/bin/env node
// Part of `npm run build`: copies the repository's .proto contract
// (../../api/proto) into dist/proto, which the client loads at run time, so
// the built package needs nothing outside clients/js.
'use strict';
const fs = require('fs');
const path = require('path');

const pkg = path.resolve(__dirname, '..');
const src = path.resolve(pkg, '..', '..', 'api', 'proto');
const dst = path.join(pkg, 'dist', 'proto');

if (!fs.existsSync(path.join(src, 'cxlab', 'v1'))) {
  if (fs.existsSync(path.join(dst, 'cxlab', 'v1'))) {
    console.log(`copy-protos: ${src} not found; keeping ${dst}`);
    process.exit(0);
  }
  console.error(`copy-protos: ${src}/cxlab/v1 not found (clients/js must sit in the cxlab repository)`);
  process.exit(1);
}
fs.rmSync(dst, { recursive: true, force: true });
let copied = 0;
(function copy(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) copy(a, b);
    else if (entry.name.endsWith('.proto')) {
      fs.copyFileSync(a, b);
      copied++;
    }
  }
})(src, dst);
console.log(`copy-protos: ${copied} .proto files -> ${path.relative(pkg, dst)}`);
