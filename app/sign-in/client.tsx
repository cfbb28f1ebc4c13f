"use client";

import { useActionState } from "react";
import { signIn } from "@/app/sign-in/actions";

export function Client({ next }: { next?: string }) {
  const [state, action, pending] = useActionState(signIn, null);
  const fieldErrors = state && !state.ok ? (state.error.fieldErrors ?? {}) : {};
  return (
    <main className="signin">
      <div className="panel">
        <h1>
          Cluster<span style={{ color: "var(--accent)" }}>Deck</span>
        </h1>
        <p>Sign in to operate the cluster.</p>
        <form action={action} className="stack">
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <label>
            Username
            <input name="username" autoComplete="username" autoFocus required />
            {fieldErrors.username?.map((m) => (
              <span key={m} className="field-error">
                {m}
              </span>
            ))}
          </label>
          <label>
            Password
            <input name="password" type="password" autoComplete="current-password" required />
            {fieldErrors.password?.map((m) => (
              <span key={m} className="field-error">
                {m}
              </span>
            ))}
          </label>
          {state && !state.ok && state.error.code !== "InvalidInput" ? (
            <div className="form-error" role="alert" data-testid="sign-in-error">
              {state.error.message}
            </div>
          ) : null}
          <button type="submit" className="primary" disabled={pending}>
            {pending ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
