import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "./api";
import type { Severity } from "./types";

export type Loaded<T> = { data: T | null; error: ApiError | null; reload: () => void };

/** GETs `path` and re-renders with its data; `reload` fetches it again. */
export function useApi<T>(path: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    api<T>(path).then(
      (d) => {
        if (live) setData(d);
      },
      (e: unknown) => {
        if (live) setError(e instanceof ApiError ? e : new ApiError(0, String(e), ""));
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => {
    setTick((t) => t + 1);
  }, []);
  return { data, error, reload };
}

export function Problem({ error }: { error: ApiError }) {
  return (
    <div class="problem" role="alert">
      <strong>{error.message}</strong>
      {error.fix ? <p>{error.fix}</p> : null}
    </div>
  );
}

export function Page<T>({
  title,
  loaded,
  children,
  actions,
}: {
  title: string;
  loaded: Loaded<T>;
  children: (data: T) => ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section>
      <header class="page-head">
        <h1>{title}</h1>
        {actions}
      </header>
      {loaded.error ? <Problem error={loaded.error} /> : null}
      {loaded.data === null ? loaded.error ? null : <p class="muted">Loading…</p> : children(loaded.data)}
    </section>
  );
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span class={`badge sev-${severity}`}>{severity}</span>;
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

/**
 * A modal confirmation (the native <dialog>): resolves when the user presses Confirm, and runs
 * nothing when they cancel or press Escape.
 */
export function ConfirmButton({
  label,
  question,
  danger,
  disabled,
  title,
  onConfirm,
}: {
  label: string;
  question: string;
  danger?: boolean;
  disabled?: boolean;
  title?: string;
  onConfirm: () => Promise<void>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      ref.current?.close();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e), ""));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={danger ? "danger" : "primary"}
        disabled={disabled}
        title={title}
        onClick={() => {
          setError(null);
          ref.current?.showModal();
        }}
      >
        {label}
      </button>
      <dialog ref={ref} class="confirm">
        <p>{question}</p>
        {error ? <Problem error={error} /> : null}
        <div class="row end">
          <button type="button" onClick={() => ref.current?.close()} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            class={danger ? "danger" : "primary"}
            data-confirm
            disabled={busy}
            onClick={() => void confirm()}
          >
            {busy ? "Working…" : `Confirm: ${label}`}
          </button>
        </div>
      </dialog>
    </>
  );
}
