import { simpleParser, type ParsedMail } from 'mailparser';
import { createServer } from 'node:net';
import { SMTPServer, type SMTPServerEnvelope, type SMTPServerOptions } from 'smtp-server';

/** A message the test server accepted, parsed. */
export interface Received {
  envelope: SMTPServerEnvelope;
  user: string | undefined;
  mail: ParsedMail;
}

/** A running test SMTP server. */
export interface TestServer {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1, without STARTTLS so the client talks plain SMTP. */
export async function startSmtpServer(options: Partial<SMTPServerOptions> = {}): Promise<TestServer> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ envelope: session.envelope, user: session.user as string | undefined, mail });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: bind one, then close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}
