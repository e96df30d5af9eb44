// Trunk post-build hook: puts the SHA-256 of every inline <script> of the built
// index.html into its Content-Security-Policy, replacing the placeholder
// 'sha256-TRUNK-LOADER-HASH'. Without it the CSP would need 'unsafe-inline'.
// Run by Trunk with TRUNK_STAGING_DIR set; also usable as `node scripts/csp-hash.mjs DIR`.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('csp-hash: no TRUNK_STAGING_DIR and no directory argument');
  process.exit(1);
}
const file = join(dir, 'index.html');
const html = readFileSync(file, 'utf8');
const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
  (m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`,
);
if (!html.includes("'sha256-TRUNK-LOADER-HASH'")) {
  console.error('csp-hash: placeholder not found in', file);
  process.exit(1);
}
if (hashes.length === 0) {
  console.error('csp-hash: no inline script found in', file);
  process.exit(1);
}
writeFileSync(file, html.replace("'sha256-TRUNK-LOADER-HASH'", hashes.join(' ')));
console.log(`csp-hash: ${hashes.length} inline script hash(es) written to ${file}`);
