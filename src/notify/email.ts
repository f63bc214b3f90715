import { createTransport } from "nodemailer";
import { PermanentChannelError, type Channel } from "./channel.js";
import type { OutgoingMessage } from "./message.js";

// Email over SMTP with nodemailer. TLS: `secure` is implicit TLS (465); otherwise STARTTLS when
// offered, required with `requireTLS`; `rejectUnauthorized: false` only for a private CA in tests.

export interface EmailOptions {
  name: string;
  host: string;
  port?: number | undefined;
  secure?: boolean | undefined;
  requireTLS?: boolean | undefined;
  rejectUnauthorized?: boolean | undefined;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  fallbackTo?: string[] | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function recipients(owner: string | null, fallback: string[] = []): string[] {
  return owner && EMAIL.test(owner) ? [owner] : fallback;
}

export function emailChannel(o: EmailOptions): Channel {
  const transport = createTransport({
    host: o.host,
    port: o.port ?? (o.secure ? 465 : 587),
    secure: o.secure ?? false,
    requireTLS: o.requireTLS ?? false,
    tls: { rejectUnauthorized: o.rejectUnauthorized ?? true },
    ...(o.user ? { auth: { user: o.user, pass: o.password ?? "" } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    name: o.name,
    type: "email",
    async send(m: OutgoingMessage) {
      const to = recipients(m.owner, o.fallbackTo);
      if (to.length === 0)
        throw new PermanentChannelError(
          `no email address for owner ${m.owner ?? "(none)"}; set owners or fallbackTo`,
        );
      await transport.sendMail({ from: o.from, to, subject: m.subject, text: m.text });
    },
  };
}
