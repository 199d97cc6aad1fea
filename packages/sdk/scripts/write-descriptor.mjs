// Package build step after tsc: replaces dist/wire/descriptor.js and dist/esm/wire/descriptor.js (which
// parse proto/*.proto at run time) with the descriptor itself, so the built package and bundles made
// from it carry the protocol without any .proto file. Parses the files as src/wire/descriptor.ts does.
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = path.join(pkg, 'proto');
const target = path.join(pkg, 'dist', 'wire', 'descriptor.js');
const esmTarget = path.join(pkg, 'dist', 'esm', 'wire', 'descriptor.js');

const protoRoot = new protobuf.Root();
for (const file of readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort()) {
  protobuf.parse(readFileSync(path.join(protoDir, file), 'utf8'), protoRoot, { keepCase: true });
}
const descriptor = protoRoot.resolveAll().toJSON();
const json = JSON.stringify(descriptor);
const header = '// Generated at package build by scripts/write-descriptor.mjs from proto/*.proto: do not edit.';
rmSync(`${target}.map`, { force: true });
rmSync(`${esmTarget}.map`, { force: true });

writeFileSync(
  target,
  `"use strict";
${header}
Object.defineProperty(exports, "__esModule", { value: true });
const DESCRIPTOR = ${json};
exports.protoDescriptor = function protoDescriptor() { return DESCRIPTOR; };
`,
);
// The ES module build (the exports map's "module" condition, for bundlers).
writeFileSync(esmTarget, `${header}\nconst DESCRIPTOR = ${json};\nexport function protoDescriptor() { return DESCRIPTOR; }\n`);
// The declarations follow: the built module offers only the descriptor.
writeFileSync(
  target.replace(/\.js$/, '.d.ts'),
  "import type * as protobuf from 'protobufjs';\nexport declare function protoDescriptor(): protobuf.INamespace;\n",
);
console.log(`write-descriptor: ${path.relative(process.cwd(), target)}, ${path.relative(process.cwd(), esmTarget)}`);
