import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './cli.js';

/**
 * The zone the test DNS server answers for. Names under `.example` and `.con` that are not
 * listed are NXDOMAIN; names elsewhere that are not listed are REFUSED (no upstream).
 */
export const TEST_ZONE = [
  'local=/example/',
  'local=/con/',
  // An ordinary domain with its own mail server.
  'mx-host=club.example,mx1.club.example,10',
  // Hosted mail, as each provider's MX hosts are named.
  'mx-host=gmail.com,gmail-smtp-in.l.google.com,5',
  'mx-host=gmail.com,alt1.gmail-smtp-in.l.google.com,10',
  'mx-host=googlemail.com,gmail-smtp-in.l.google.com,5',
  'mx-host=workspace.example,smtp.google.com,1',
  'mx-host=m365.example,m365-example.mail.protection.outlook.com,0',
  'mx-host=hotmail.com,hotmail-com.olc.protection.outlook.com,2',
  'mx-host=yahoo.com,mta5.am0.yahoodns.net,1',
  'mx-host=icloud.com,mx01.mail.icloud.com,10',
  'mx-host=privaterelay.appleid.com,mx01.mail.icloud.com,10',
  'mx-host=proofpoint.example,mx0a-00123.pphosted.com,10',
  'mx-host=mimecast.example,eu-smtp-inbound-1.mimecast.com,10',
  // RFC 7505: "this domain accepts no mail".
  'mx-host=nomail.example,.,0',
  // No MX, only an address: the RFC 5321 fallback (a typo of a provider, and an ordinary one).
  'host-record=gmail.con,192.0.2.10',
  'host-record=webonly.example,192.0.2.11',
  // Exists, but neither MX nor A/AAAA.
  'txt-record=txtonly.example,"v=spf1 -all"',
].join('\n');

/** A real DNS server (Debian's dnsmasq) on a free 127.0.0.1 port, serving TEST_ZONE. */
export interface TestDnsServer {
  /** The value for ENROLLSY_DNS_SERVERS. */
  server: string;
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** True when dnsmasq is on this machine (`.ci/run` installs Debian's dnsmasq-base). */
export function haveDnsmasq(): boolean {
  return spawnSync('sh', ['-c', 'command -v dnsmasq'], { stdio: 'ignore' }).status === 0;
}

/** Starts dnsmasq and waits until it answers. */
export async function startDnsServer(): Promise<TestDnsServer> {
  const { dir, cleanup } = tempDir('enrollsy-dns-');
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(conf, `${TEST_ZONE}\n`);
  for (let attempt = 0; ; attempt++) {
    const port = await freeUdpPort();
    const args = [
      '--keep-in-foreground', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts',
      `--conf-file=${conf}`, '--pid-file=', '--log-facility=-',
      // As root (CI), dnsmasq would otherwise drop to "nobody".
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ];
    const child: ChildProcess = spawn('dnsmasq', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const server = `127.0.0.1:${port}`;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (await answers(server, child)) {
      return {
        server,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
          cleanup();
        },
      };
    }
    child.kill('SIGKILL');
    await exited;
    // Another process may have taken the port between probing and binding: try another.
    if (attempt >= 3) {
      cleanup();
      throw new Error(`dnsmasq did not start: ${stderr.trim()}`);
    }
  }
}

async function answers(server: string, child: ChildProcess): Promise<boolean> {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([server]);
  for (let i = 0; i < 50 && child.exitCode === null; i++) {
    try {
      await resolver.resolveMx('club.example');
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}

/** A UDP socket on 127.0.0.1 that reads every query and never answers (a DNS server that hangs). */
export async function startSilentServer(): Promise<{ server: string; queries: () => number; stop: () => Promise<void> }> {
  const socket: Socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', () => queries++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    queries: () => queries,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
