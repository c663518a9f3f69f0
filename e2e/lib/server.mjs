// Start the INLOOP server for a test: `$INLOOP_BIN serve` on a free loopback port with a fresh
// data directory, on SQLite, or with `production: true` on a fresh PostgreSQL database of the
// test's own (dropped at stop) and Redis, as .ci/services starts them. Returns
// { url, dataDir, output(), stop() }.
//
//   const server = await startServer({ env: { SOME_SETTING: 'x' } });
//   ... fetch(`${server.url}/`) ...
//   await server.stop();
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

const POSTGRES = 'postgres://inloop:inloop@127.0.0.1:5432';

/** Runs one SQL statement as `inloop` on PostgreSQL's `inloop` database. */
function psql(sql) {
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql, `${POSTGRES}/inloop`], { stdio: 'pipe' });
}

export async function startServer({ env = {}, timeoutMs = 30_000, prepare, production = false } = {}) {
  // A relative INLOOP_BIN is taken relative to the repository root.
  const bin = resolve(repoRoot, process.env.INLOOP_BIN || 'target/debug/inloop');
  if (!existsSync(bin)) {
    throw new Error(`INLOOP binary not found at ${bin}: build it (cargo build) or set INLOOP_BIN`);
  }
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'inloop-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  // A release binary refuses to start without SECRET_KEY (a debug binary makes one up).
  env = { SECRET_KEY: randomBytes(32).toString('hex'), ...env };
  let database = null;
  if (production) {
    database = `inloop_e2e_${randomBytes(6).toString('hex')}`;
    psql(`CREATE DATABASE ${database}`);
    env = { DATABASE_URL: `${POSTGRES}/${database}`, REDIS_URL: 'redis://127.0.0.1:6379/0', ...env };
  }
  // `prepare(run)` may run `inloop` commands against the server's data before it starts.
  if (prepare) {
    await prepare((args, input = '') => runCommand(bin, args, { ...process.env, INLOOP_DATA_DIR: dataDir, ...env }, dataDir, input));
  }

  // The server runs in its empty data folder: no templates, assets or Rocket.toml on disk, so
  // every page proves the binary is self-contained.
  const child = spawn(bin, ['serve'], {
    cwd: dataDir,
    env: {
      ...process.env,
      ROCKET_PORT: String(port),
      ROCKET_ADDRESS: '127.0.0.1',
      INLOOP_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Keep the server's output (the last 64 KiB) to explain failures.
  let log = '';
  const keep = (chunk) => { log = (log + chunk).slice(-65_536); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
    child.once('error', (err) => done({ error: err.message })); // e.g. not executable
  });
  let exit = null;
  exited.then((e) => { exit = e; });

  async function stop() {
    if (!exit) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
    if (database) psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }

  // Wait for GET /healthz to answer 200, or fail with the server's output.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit) {
      await stop();
      throw new Error(`INLOOP server exited early (${JSON.stringify(exit)}). Its output:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`INLOOP server: no 200 from ${url}/healthz within ${timeoutMs} ms. Its output:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return { url, port, dataDir, output: () => log, stop };
}

// Runs `inloop ARGS` to completion; resolves with its output, rejects when it fails.
function runCommand(bin, args, env, cwd, input) {
  return new Promise((done, fail) => {
    const child = spawn(bin, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => (code === 0 ? done(output) : fail(new Error(`inloop ${args.join(' ')} failed:\n${output}`))));
    child.stdin.end(input);
  });
}
