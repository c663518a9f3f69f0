// A task repository for a test: a Git repository in a temp folder with one commit of `files`
// (path → content), importable by `inloop load-tasks --url file://…`.
//
//   const repo = await taskRepository({ 'Dockerfile': '…', 'hello/task.md': '# Hello\n', … });
//   ... repo.url ...
//   await repo.remove();
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export async function taskRepository(files) {
  const dir = await mkdtemp(join(tmpdir(), 'inloop-e2e-repo-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=Teacher', '-c', 'user.email=teacher@example.org', 'commit', '-q', '-m', 'Tasks');
  return { dir, url: `file://${dir}`, remove: () => rm(dir, { recursive: true, force: true }) };
}

// The task most browser tests use, `Hello Shell` (slug `hello-shell`) in `Basics`: its checker
// runs the submitted `solution.sh` in the local busybox image.
export const helloShellTask = {
  Dockerfile: 'FROM inloop-test/busybox:1\nUSER nobody\nENTRYPOINT ["/bin/sh", "/checker/input/solution.sh"]\n',
  Makefile: 'all:\n\ttrue\n',
  'hello/task.md': '# Hello\n\nWrite `solution.sh` that greets the world.\n',
  'hello/meta.json': JSON.stringify({ title: 'Hello Shell', category: 'Basics', pubdate: '2020-01-01 00:00' }),
};
