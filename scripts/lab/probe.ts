// A client for looking at the lab from inside a namespace, where only programs started with `ip netns exec` can
// run (a Node process cannot change its own network namespace). It needs nothing but Node, so it works on a LAN
// device namespace of a machine that has no curl or dig.
//
//   node probe.js http-get URL [--timeout MS]                      prints the response body (exit 1 on failure)
//   node probe.js resolve NAME [--type A|AAAA] [--server ADDRESS] [--timeout MS]
//                                                                  prints one address per line (exit 1 on failure)
//
// Without --server, resolve asks the resolvers of /etc/resolv.conf, which `ip netns exec` replaces with the
// namespace's own /etc/netns/<ns>/resolv.conf.
import { Resolver } from 'node:dns/promises';
import { request } from 'node:http';

const DEFAULT_TIMEOUT_MS = 5_000;

interface Options {
  readonly positional: string[];
  readonly flags: Map<string, string>;
}

function parse(args: readonly string[]): Options {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--')) {
      const value = args[++i];
      if (value === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      flags.set(arg.slice(2), value);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
}

function timeoutOf(options: Options): number {
  const value = Number(options.flags.get('timeout') ?? DEFAULT_TIMEOUT_MS);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error('--timeout needs a whole number of milliseconds');
  }
  return value;
}

function httpGet(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${response.statusCode}: ${body.trim()}`)),
      );
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function resolveName(name: string, options: Options): Promise<string[]> {
  const type = options.flags.get('type') ?? 'A';
  if (type !== 'A' && type !== 'AAAA') {
    throw new Error('--type is A or AAAA');
  }
  const resolver = new Resolver({ timeout: timeoutOf(options), tries: 1 });
  const server = options.flags.get('server');
  if (server !== undefined) {
    resolver.setServers([server]);
  }
  return type === 'A' ? resolver.resolve4(name) : resolver.resolve6(name);
}

async function main(args: readonly string[]): Promise<void> {
  const [command, ...rest] = args;
  const options = parse(rest);
  const [target] = options.positional;
  if (target === undefined || options.positional.length !== 1) {
    throw new Error('usage: probe http-get URL | probe resolve NAME [--type A|AAAA] [--server ADDRESS]');
  }
  switch (command) {
    case 'http-get':
      process.stdout.write(await httpGet(target, timeoutOf(options)));
      return;
    case 'resolve':
      process.stdout.write((await resolveName(target, options)).map((address) => `${address}\n`).join(''));
      return;
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}: http-get or resolve`);
  }
}

main(process.argv.slice(2)).catch((error: NodeJS.ErrnoException) => {
  console.error(`probe: ${error.code ? `${error.code} ` : ''}${error.message}`);
  process.exit(1);
});
