import type {
  DeserializeMiddleware,
  InitializeMiddleware,
  MetadataBearer,
  MiddlewareStack,
} from "@smithy/types";
import type { ApiCallCounts } from "../domain/types.js";

/** Counts AWS API calls by operation name. One logical call counts once, however many retries it took. */
export class CallCounter {
  private readonly counts = new Map<string, number>();
  private attempts = 0;

  record(operation: string): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
  }

  recordAttempt(): void {
    this.attempts++;
  }

  /** HTTP requests sent, retries included. */
  get httpAttempts(): number {
    return this.attempts;
  }

  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  snapshot(): ApiCallCounts {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

interface StackClient {
  middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, "add">;
}

/** Adds counting middleware to an SDK client: once per command, and once per HTTP attempt. */
export function instrumentClient(client: StackClient, counter: CallCounter): void {
  const perCall: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
    counter.record((context.commandName ?? "Unknown").replace(/Command$/, ""));
    return next(args);
  };
  const perAttempt: DeserializeMiddleware<object, MetadataBearer> = (next) => (args) => {
    counter.recordAttempt();
    return next(args);
  };
  client.middlewareStack.add(perCall, { step: "initialize", name: "keywardenCallCounter", override: true });
  client.middlewareStack.add(perAttempt, {
    step: "deserialize",
    name: "keywardenAttemptCounter",
    override: true,
  });
}
