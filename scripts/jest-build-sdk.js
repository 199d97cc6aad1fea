// Jest global setup: the backend and frontend tests import the SDK as a package (its built dist/),
// so build it first; tsc's incremental build makes this quick when nothing changed.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = function buildSdk() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['run', '--silent', 'build:sdk'], { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
};
