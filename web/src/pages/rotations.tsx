import { useState } from "preact/hooks";
import { api } from "../api";
import { maskKeyId, relative, when } from "../format";
import type { Job, JobDetail, KeysReport, Session } from "../types";
import { ConfirmButton, Page, StateBadge, useApi } from "../ui";

const STEPS = ["create", "verify", "observe", "deactivate", "soak", "delete", "done"];

/** The job's steps as a line: done ones filled, the next one marked, with when it is due. */
function Progress({ job }: { job: Job }) {
  const finished = job.state === "done";
  const rolledBack = job.state === "rolled-back" || job.step === "rollback";
  // A rolled-back job's steps are undone, not green: draw those it had passed as undone.
  const current = STEPS.indexOf(rolledBack ? (job.rollbackFrom ?? "create") : job.step);
  return (
    <div class="progress-wrap">
      <ol class="progress" aria-label="Rotation steps">
        {STEPS.map((s, i) => {
          const cls = rolledBack
            ? i < current
              ? "undone"
              : "todo"
            : finished || i < current
              ? "done"
              : i === current
                ? "current"
                : "todo";
          return (
            <li key={s} class={`${cls}${cls === "current" && job.state === "failed" ? " failed" : ""}`}>
              <span class="dot" />
              <span class="step-name">{s}</span>
            </li>
          );
        })}
      </ol>
      <p class="next" data-testid="next-step">
        {rolledBack
          ? job.state === "rolled-back"
            ? `Rolled back from ${job.rollbackFrom ?? "an earlier step"}: the old key is active again and the new key is deleted; the history says what became of each target.`
            : "Rolling back."
          : finished
            ? "Done: the old key is deleted."
            : job.state === "failed"
              ? `Failed at ${job.step}: fix the cause, then advance or roll back.`
              : job.nextAt && new Date(job.nextAt) > new Date()
                ? `Next: ${job.step}, due ${when(job.nextAt)} (${relative(job.nextAt)})`
                : `Next: ${job.step}, due now`}
      </p>
    </div>
  );
}

function StartForm({ onStarted }: { onStarted: (id: string) => void }) {
  const keys = useApi<KeysReport>("keys");
  const [userName, setUserName] = useState("");
  const [keyId, setKeyId] = useState("");
  const [to, setTo] = useState("");
  const [observe, setObserve] = useState("7d");
  const [soak, setSoak] = useState("7d");
  const users = [
    ...new Set((keys.data?.keys ?? []).filter((k) => k.status === "Active").map((k) => k.userName)),
  ].sort();
  const userKeys = (keys.data?.keys ?? []).filter((k) => k.userName === userName && k.status === "Active");
  const start = async () => {
    const job = await api<JobDetail>("rotations", {
      method: "POST",
      body: {
        userName,
        accessKeyId: keyId || null,
        to: to.split(/[\s,]+/).filter((t) => t !== ""),
        observe,
        soak,
      },
    });
    onStarted(job.id);
  };
  return (
    <form
      class="card start"
      onSubmit={(e) => {
        e.preventDefault();
      }}
    >
      <h2>Start a rotation</h2>
      <p class="muted">
        Creates the new key, delivers it and verifies it, then stops: deactivating and deleting the old key
        wait for Advance.
      </p>
      <div class="fields">
        <label>
          User
          <select
            name="user"
            value={userName}
            onChange={(e) => {
              setUserName(e.currentTarget.value);
              setKeyId("");
            }}
          >
            <option value="">Choose…</option>
            {users.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </label>
        <label>
          Key
          <select
            name="key"
            value={keyId}
            onChange={(e) => {
              setKeyId(e.currentTarget.value);
            }}
          >
            <option value="">{userKeys.length === 1 ? "its only active key" : "Choose…"}</option>
            {userKeys.map((k) => (
              <option key={k.accessKeyId} value={k.accessKeyId}>
                {maskKeyId(k.accessKeyId)} ({k.ageDays} d)
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          New secret goes to
          <input
            name="to"
            placeholder="secretsmanager:ci/aws ssm:/app/aws dotenv:/path/.env"
            value={to}
            onInput={(e) => {
              setTo(e.currentTarget.value);
            }}
          />
        </label>
        <label>
          Observe
          <input
            name="observe"
            size={4}
            value={observe}
            onInput={(e) => {
              setObserve(e.currentTarget.value);
            }}
          />
        </label>
        <label>
          Soak
          <input
            name="soak"
            size={4}
            value={soak}
            onInput={(e) => {
              setSoak(e.currentTarget.value);
            }}
          />
        </label>
      </div>
      {userName && to.trim() ? (
        <ConfirmButton
          label="Start rotation"
          question={`Create a new access key for ${userName} and deliver it to ${to.trim()}? The old key stays active.`}
          onConfirm={start}
        />
      ) : (
        <p class="muted">Choose a user and where the new secret goes.</p>
      )}
    </form>
  );
}

export function RotationsPage({ session }: { session: Session }) {
  const loaded = useApi<Job[]>("rotations");
  return (
    <Page title="Rotations" loaded={loaded}>
      {(jobs) => (
        <>
          {session.allowActions ? (
            <StartForm
              onStarted={(id) => {
                location.hash = `#/rotations/${id}`;
              }}
            />
          ) : null}
          {jobs.length === 0 ? (
            <p>No rotations yet.</p>
          ) : (
            jobs.map((j) => (
              <div class="card job" key={j.id}>
                <h2>
                  <a href={`#/rotations/${j.id}`}>{j.id}</a> <StateBadge state={j.state} />
                </h2>
                <p class="muted">
                  {j.userName}: {maskKeyId(j.oldAccessKeyId)} →{" "}
                  {j.newAccessKeyId ? maskKeyId(j.newAccessKeyId) : "(new key not created yet)"}
                </p>
                <Progress job={j} />
              </div>
            ))
          )}
        </>
      )}
    </Page>
  );
}

/** What Advance will do next, in the words of the step that is due. */
function advanceQuestion(job: Job): string {
  const old = `the old key ${maskKeyId(job.oldAccessKeyId)} of ${job.userName}`;
  if (job.step === "deactivate") return `Deactivate ${old}? Rollback stays possible until it is deleted.`;
  if (job.step === "delete") return `Delete ${old}? This cannot be undone.`;
  return `Run the ${job.step} step of this rotation now? It may go on to deactivate ${old}.`;
}

export function RotationPage({ id, session }: { id: string; session: Session }) {
  const loaded = useApi<JobDetail>(`rotations/${encodeURIComponent(id)}`);
  const act = (verb: "advance" | "rollback") => async () => {
    await api(`rotations/${encodeURIComponent(id)}/${verb}`, { method: "POST" });
    loaded.reload();
  };
  const job = loaded.data;
  const open = job && job.state !== "done" && job.state !== "rolled-back";
  const notYet = job?.nextAt && new Date(job.nextAt) > new Date() ? job.nextAt : null;
  return (
    <Page
      title={`Rotation ${id}`}
      loaded={loaded}
      actions={
        session.allowActions && open ? (
          <div class="row">
            <ConfirmButton
              label="Advance"
              danger
              disabled={notYet !== null}
              title={notYet ? `The next step is due ${when(notYet)}` : "Run the steps that are due"}
              question={advanceQuestion(job)}
              onConfirm={act("advance")}
            />
            <ConfirmButton
              label="Roll back"
              question="Re-activate the old key, restore every target and delete the new key?"
              onConfirm={act("rollback")}
            />
          </div>
        ) : null
      }
    >
      {(j) => (
        <>
          <div class="card">
            <p>
              <StateBadge state={j.state} /> {j.userName} in {j.accountId}: <code>{j.oldAccessKeyId}</code> →{" "}
              <code>{j.newAccessKeyId ?? "(not created yet)"}</code>
            </p>
            <Progress job={j} />
            <p class="muted">Targets: {j.targets.join(", ")}</p>
          </div>
          <div class="card">
            <h2>History</h2>
            <table>
              <thead>
                <tr>
                  <th>When</th>
                  <th>Step</th>
                  <th>Action</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {j.events.map((e) => (
                  <tr key={e.id}>
                    <td>{when(e.at)}</td>
                    <td>{e.step}</td>
                    <td>{e.action}</td>
                    <td class="muted">{e.actor}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Page>
  );
}
