// A real SMTP server for browser tests: Python's aiosmtpd writing every mail into a maildir.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server.mjs';

export async function startMailSink() {
  const dir = await mkdtemp(join(tmpdir(), 'inloop-mail-'));
  const port = await freePort();
  const child = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
    '-c', 'aiosmtpd.handlers.Mailbox', join(dir, 'mail')], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const open = await new Promise((done) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); done(true); });
      socket.on('error', () => done(false));
    });
    if (open) break;
    if (Date.now() > deadline) throw new Error('the SMTP sink did not start');
    await new Promise((r) => setTimeout(r, 100));
  }

  // The first link to `pathPrefix` in a mail to `address` (quoted-printable soft breaks undone).
  async function linkTo(address, pathPrefix) {
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const files = await readdir(join(dir, 'mail', 'new')).catch(() => []);
      for (const file of files) {
        const mail = (await readFile(join(dir, 'mail', 'new', file), 'utf8'))
          .replaceAll('=\r\n', '').replaceAll('=\n', '').replaceAll('=3D', '=');
        if (!mail.includes(`To: ${address}`)) continue;
        const found = mail.match(new RegExp(`https?://\\S+${pathPrefix}\\S+`));
        if (found) return found[0];
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${address}`);
  }

  async function stop() {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }

  return { url: `smtp://127.0.0.1:${port}`, linkTo, stop };
}
