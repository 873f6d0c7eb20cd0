import { afterAll, beforeAll } from 'vitest';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A throwaway single-node Slurm cluster for tests: its own munged (with a
 * fresh key), slurmctld and slurmd, all configured in one temporary folder
 * and listening on free ports, so it neither needs nor touches a system
 * installation's configuration or another test's cluster.
 *
 * Daemons run in the foreground as children of the test process; `stop()`
 * ends exactly those processes by their ids and removes the folder.
 */
export interface LocalSlurm {
  /** The temporary folder holding configuration, state, logs and the munge socket. */
  readonly dir: string;
  /** slurm.conf of this cluster. */
  readonly conf: string;
  /** Environment for Slurm clients (sbatch, squeue, sinfo): the current one plus SLURM_CONF. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs a Slurm client (e.g. `sbatch`) against this cluster, with `env` added to {@link env}. Never throws on a non-zero exit. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<ClientRun>;
  /** The last lines of the daemons' logs, to show when something went wrong. */
  logs(): string;
  /** Cancels what is still queued, ends the daemons by process id, removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Extra environment variables (sbatch passes its environment on to the job). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ClientRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const binaries = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo', 'squeue', 'scancel'] as const;

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

/**
 * Why a local cluster cannot be started here (a message for `skipIf`), or
 * null when it can: the Slurm and munge programs must be installed (Debian:
 * `apt-get install slurm-wlm munge`) and the tests must run as root, since
 * slurmd starts each job as the user who submitted it.
 */
export function localSlurmUnavailable(): string | null {
  const missing = binaries.filter((name) => which(name) === null && !existsSync(`/usr/sbin/${name}`));
  if (missing.length > 0) return `Slurm is not installed (${missing.join(', ')} not found); install slurm-wlm and munge to run this test`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'a local Slurm cluster needs root (slurmd starts jobs as their user)';
  if (userIds('munge') === null) return 'the munge user does not exist; install the munge package';
  return null;
}

function userIds(user: string): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function daemonPath(name: string): string {
  return which(name) ?? `/usr/sbin/${name}`;
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A temp root the munge user can traverse to reach its socket: the usual one,
 * unless some folder on its way is private (a test runner's own 0700 temp
 * folder, say), then /tmp.
 */
function traversableTempRoot(): string {
  for (let folder = tmpdir(); ; folder = dirname(folder)) {
    if ((statSync(folder).mode & 0o001) === 0) return '/tmp';
    if (dirname(folder) === folder) return tmpdir();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(path: string, lines = 15): string {
  if (!existsSync(path)) return `(${path}: no file)`;
  return `${path}:\n${readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`;
}

/**
 * Starts munged, slurmctld and slurmd with a configuration in a new
 * temporary folder and waits (at most `timeoutMs`) until `sinfo` shows the
 * node idle. Throws with the daemons' logs when the cluster does not come up,
 * after stopping whatever it started. Check {@link localSlurmUnavailable} first.
 */
export async function startLocalSlurm(options: { cpus?: number; timeoutMs?: number } = {}): Promise<LocalSlurm> {
  const cpus = options.cpus ?? 2;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const munge = userIds('munge');
  if (munge === null) throw new Error('the munge user does not exist');
  const dir = mkdtempSync(join(traversableTempRoot(), 'pwcca-slurm-'));
  // munged, running as the munge user, needs to traverse every folder up to its socket.
  chmodSync(dir, 0o755);
  const paths = {
    munge: join(dir, 'munge'),
    key: join(dir, 'munge', 'munge.key'),
    socket: join(dir, 'munge', 'munge.socket'),
    conf: join(dir, 'slurm.conf'),
    state: join(dir, 'state'),
    spool: join(dir, 'spool'),
    log: join(dir, 'log'),
  };
  for (const folder of [paths.munge, paths.state, paths.spool, paths.log]) mkdirSync(folder);
  writeFileSync(paths.key, randomBytes(1024));
  chownSync(paths.munge, munge.uid, munge.gid);
  chownSync(paths.key, munge.uid, munge.gid);
  chmodSync(paths.key, 0o400);

  const children: ChildProcess[] = [];
  const exited = new Map<ChildProcess, Promise<void>>();
  const launch = (name: string, args: string[], ids?: { uid: number; gid: number }): ChildProcess => {
    const out = openSync(join(paths.log, `${name}.out`), 'a');
    const child = spawn(daemonPath(name), args, { stdio: ['ignore', out, out], cwd: dir, ...(ids ?? {}) });
    closeSync(out);
    children.push(child);
    exited.set(child, new Promise((resolve) => child.once('exit', () => resolve())));
    child.once('error', () => undefined); // reported through the exit code and the logs
    return child;
  };
  const logs = () =>
    ['munged.log', 'munged.out', 'slurmctld.log', 'slurmctld.out', 'slurmd.log', 'slurmd.out']
      .map((name) => tail(name.startsWith('munged.log') ? join(paths.munge, name) : join(paths.log, name)))
      .join('\n');

  let stopped = false;
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: paths.conf };
  const run = (command: string, args: readonly string[], runOptions: RunOptions = {}) =>
    new Promise<ClientRun>((resolve) => {
      execFile(command, [...args], { env: { ...env, ...runOptions.env }, cwd: runOptions.cwd ?? dir, timeout: runOptions.timeoutMs ?? 120_000, encoding: 'utf8' }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (children.length === 3) {
      // Jobs still queued or running would outlive slurmd in their slurmstepd: cancel them first.
      const queued = await run('squeue', ['-h', '-o', '%A'], { timeoutMs: 15_000 });
      const ids = [...new Set(queued.stdout.split(/\s+/).filter((id) => /^\d+$/.test(id)))];
      if (ids.length > 0) {
        await run('scancel', ids, { timeoutMs: 15_000 });
        for (let waited = 0; waited < 30_000; waited += 500) {
          const left = await run('squeue', ['-h', '-o', '%A'], { timeoutMs: 15_000 });
          if (left.code !== 0 || left.stdout.trim() === '') break;
          await sleep(500);
        }
      }
    }
    // slurmd, then slurmctld, then munged: each by the process id it was started with.
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.get(child)!.then(() => true), sleep(15_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited.get(child);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    launch(
      'munged',
      ['--foreground', `--socket=${paths.socket}`, `--key-file=${paths.key}`, `--pid-file=${join(paths.munge, 'munged.pid')}`, `--log-file=${join(paths.munge, 'munged.log')}`, `--seed-file=${join(paths.munge, 'munged.seed')}`],
      munge,
    );
    await waitFor(() => existsSync(paths.socket), 15_000, 'munged did not create its socket', children);

    const node = hostname().split('.')[0];
    const [controllerPort, nodePort] = [await freePort(), await freePort()];
    writeFileSync(
      paths.conf,
      [
        '# Single-node test cluster written by test/helpers/slurm.ts',
        'ClusterName=pwcca-test',
        `SlurmctldHost=${node}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        `SlurmctldPort=${controllerPort}`,
        `SlurmdPort=${nodePort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        // Both the daemons and the clients find this cluster's munged here, not at the system socket.
        `AuthInfo=socket=${paths.socket}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'MpiDefault=none',
        'SwitchType=switch/none',
        'MailProg=/bin/true',
        'ReturnToService=2',
        'JobCompType=jobcomp/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        `StateSaveLocation=${paths.state}`,
        `SlurmdSpoolDir=${paths.spool}`,
        `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(paths.log, 'slurmctld.log')}`,
        `SlurmdLogFile=${join(paths.log, 'slurmd.log')}`,
        `NodeName=${node} CPUs=${cpus} RealMemory=1000 State=UNKNOWN`,
        `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    launch('slurmctld', ['-D', '-f', paths.conf]);
    launch('slurmd', ['-D', '-f', paths.conf]);
    const deadline = Date.now() + timeoutMs;
    let state = '';
    while (Date.now() < deadline) {
      const dead = children.find((child) => child.exitCode !== null || child.signalCode !== null);
      if (dead) throw new Error(`${dead.spawnfile} exited (${dead.exitCode ?? dead.signalCode}) while the cluster started`);
      const sinfo = await run('sinfo', ['-h', '-N', '-o', '%T'], { timeoutMs: 10_000 });
      state = sinfo.stdout.trim();
      if (sinfo.code === 0 && state === 'idle') break;
      await sleep(500);
    }
    if (state !== 'idle') throw new Error(`the node is not idle after ${timeoutMs / 1000} s (sinfo: '${state}')`);
  } catch (error) {
    const message = `local Slurm did not start: ${(error as Error).message}\n${logs()}`;
    await stop();
    throw new Error(message);
  }
  return { dir, conf: paths.conf, env, run, logs, stop };
}

async function waitFor(ready: () => boolean, timeoutMs: number, what: string, children: readonly ChildProcess[]): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    if (ready()) return;
    if (children.some((child) => child.exitCode !== null || child.signalCode !== null)) break;
  }
  throw new Error(what);
}

/**
 * Inside a describe: starts a local cluster before its tests and stops every
 * daemon (by pid) after them. Returns the running cluster.
 */
export function useLocalSlurm(): () => LocalSlurm {
  let slurm: LocalSlurm | undefined;
  beforeAll(async () => {
    slurm = await startLocalSlurm();
  }, 120_000);
  afterAll(async () => {
    await slurm?.stop();
  }, 120_000);
  return () => {
    if (slurm === undefined) throw new Error('the local Slurm cluster did not start');
    return slurm;
  };
}
