"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { addUser, changeRole, deleteUser, resetPassword, setDisabled } from "@/app/(console)/settings/users/actions";
import { ActionErrorNote, FieldErrors } from "@/components/workflows/action-error";
import { When } from "@/components/workflows/time";
import type { ActionError, ActionResult } from "@/lib/action-result";
import { ROLES, type OperatorRole } from "@/lib/auth/roles";
import type { UserSummary } from "@/lib/auth/users";

interface Shown {
  username: string;
  password: string;
  why: string;
}

export function Client({ me, users }: { me: string; users: UserSummary[] }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<ActionError | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  function run<T>(action: () => Promise<ActionResult<T>>, after?: (data: T) => void) {
    setError(null);
    setShown(null);
    setAdded(null);
    startTransition(async () => {
      const result = await action();
      if (!result.ok) {
        setError(result.error);
        return;
      }
      after?.(result.data);
      router.refresh();
    });
  }

  function onAdd(form: FormData) {
    const input = { username: String(form.get("username") ?? ""), role: String(form.get("role") ?? ""), password: String(form.get("password") ?? "") };
    run(
      () => addUser(input),
      (data) => {
        setAdded(data.username);
        if (data.generatedPassword) setShown({ username: data.username, password: data.generatedPassword, why: "initial password" });
      },
    );
  }

  return (
    <main className="tl">
      <div className="page-head">
        <h1>Users</h1>
        <span className="sub">every change is recorded on the timeline with your name; changing a user ends their sessions</span>
      </div>

      {shown ? (
        <div className="banner" role="status" data-testid="one-time-password">
          The {shown.why} of <strong>{shown.username}</strong>, shown only this once: <span className="mono" data-testid="one-time-password-value">{shown.password}</span>
          <br />
          <span className="muted">They must change it when they next sign in.</span>
        </div>
      ) : null}
      {added && !shown ? (
        <p className="muted" role="status" data-testid="user-added">
          Added {added}; they must change the password when they first sign in.
        </p>
      ) : null}
      <ActionErrorNote error={error} testId="users-error" shownFields={["username", "role", "password"]} />

      <section className="panel" aria-labelledby="users-title">
        <h2 id="users-title">Accounts</h2>
        <div className="table-scroll">
          <table className="tl-table" data-testid="users-table">
            <thead>
              <tr>
                <th>User</th>
                <th>Role</th>
                <th>State</th>
                <th>Last sign-in</th>
                <th>Created</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id} data-testid={`user-${u.username}`}>
                  <td className="mono">
                    {u.username}
                    {u.id === me ? <span className="muted"> (you)</span> : null}
                  </td>
                  <td>
                    <select
                      aria-label={`role of ${u.username}`}
                      value={u.role}
                      disabled={pending}
                      onChange={(e) => run(() => changeRole({ userId: u.id, role: e.target.value }))}
                      data-testid={`role-${u.username}`}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td data-testid={`state-${u.username}`}>
                    {u.disabled ? <span className="badge badge-crit">disabled</span> : "enabled"}
                    {u.mustChangePassword ? <span className="muted"> · must change password</span> : null}
                  </td>
                  <td>{u.lastLoginAt ? <When at={u.lastLoginAt} /> : <span className="muted">never</span>}</td>
                  <td>
                    <When at={u.createdAt} />
                    {u.createdBy ? <span className="muted"> by {u.createdBy}</span> : null}
                  </td>
                  <td className="wf-nowrap">
                    <button type="button" disabled={pending} onClick={() => run(() => setDisabled({ userId: u.id, disabled: !u.disabled }))} data-testid={`toggle-${u.username}`}>
                      {u.disabled ? "Enable" : "Disable"}
                    </button>{" "}
                    <button
                      type="button"
                      disabled={pending}
                      onClick={() => run(() => resetPassword({ userId: u.id }), (d) => setShown({ username: d.username, password: d.password, why: "one-time password" }))}
                      data-testid={`reset-${u.username}`}
                    >
                      Reset password
                    </button>{" "}
                    {u.id === me ? null : (
                      <button
                        type="button"
                        disabled={pending}
                        onClick={() => {
                          if (window.confirm(`Delete ${u.username}? Their sessions end at once.`)) run(() => deleteUser({ userId: u.id }));
                        }}
                        data-testid={`delete-${u.username}`}
                      >
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="panel" aria-labelledby="add-title">
        <h2 id="add-title">Add a user</h2>
        <form action={onAdd} className="tl-note-form" data-testid="add-user-form">
          <label>
            Username
            <input name="username" autoComplete="off" required data-testid="new-username" />
          </label>
          <FieldErrors messages={error?.fieldErrors?.username} />
          <label>
            Role
            <select name="role" defaultValue={"operator" satisfies OperatorRole} data-testid="new-role">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <FieldErrors messages={error?.fieldErrors?.role} />
          <label>
            Initial password <span className="muted">(at least 12 characters; leave empty to generate one, shown once)</span>
            <input name="password" type="password" autoComplete="new-password" data-testid="new-password" />
          </label>
          <FieldErrors messages={error?.fieldErrors?.password} />
          <button type="submit" disabled={pending} data-testid="add-user">
            {pending ? "Saving…" : "Add user"}
          </button>
        </form>
      </section>
    </main>
  );
}
