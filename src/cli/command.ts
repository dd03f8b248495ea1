/** What every client command shares: connection options and one way of reporting errors. */
import { Option, type Command } from 'commander';
import { ApiError, FlowgateClient, resolveConnection } from './http-client.js';

export interface ConnOpts {
  url?: string;
  token?: string;
  json?: boolean;
}

/** A mistake in the command line itself, reported like an API error. */
export class UsageError extends Error {}

export function connectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'the Flowgate server (env FLOWGATE_URL, default http://127.0.0.1:3000)'))
    .addOption(new Option('--token <token>', 'an API token (env FLOWGATE_TOKEN)'));
}

/** Wraps an action: builds the client, prints errors as `flowgate: <message>` and sets exit code 1. */
export function act<A extends string[]>(fn: (client: FlowgateClient, opts: ConnOpts & Record<string, any>, ...args: A) => Promise<void>) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as ConnOpts & Record<string, any>;
    const args = all.slice(0, -2) as A;
    try {
      await fn(new FlowgateClient(resolveConnection(opts)), opts, ...args);
    } catch (err) {
      if (!(err instanceof ApiError) && !(err instanceof UsageError)) throw err;
      console.error(`flowgate: ${err.message}`);
      process.exitCode = 1;
    }
  };
}
