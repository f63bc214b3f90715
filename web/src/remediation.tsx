import { useState } from "preact/hooks";
// The same split the HTML report uses (a pure module with no imports), so both show commands alike.
import { splitRemediation } from "../../src/report/remediation.js";

/** Copies `text`; the dashboard is served from 127.0.0.1, a secure context, so the Clipboard API works. */
function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<"idle" | "done" | "failed">("idle");
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => {
        setState("done");
        setTimeout(() => {
          setState("idle");
        }, 1500);
      },
      () => {
        setState("failed");
      },
    );
  };
  return (
    <button type="button" class={`copy ${state}`} aria-label="Copy command" onClick={copy}>
      {state === "done" ? "Copied" : state === "failed" ? "Select it" : "Copy"}
    </button>
  );
}

/** Remediation text: the prose as text, each command as a code block with its own Copy button. */
export function Remediation({ text }: { text: string }) {
  const parts = splitRemediation(text);
  if (parts.length === 0) return null;
  return (
    <div class="fix">
      {parts.map((p, i) =>
        p.kind === "command" ? (
          <div class="cmd" key={i}>
            <code>{p.text}</code>
            <CopyButton text={p.text} />
          </div>
        ) : (
          <p class="fix-text" key={i}>
            {p.text}
          </p>
        ),
      )}
    </div>
  );
}
