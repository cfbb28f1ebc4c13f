import Link from "next/link";
import type { ReactNode } from "react";
import { PasswordRequired } from "@/app/(console)/account/required";
import { signOut } from "@/app/(console)/actions";
import { ClusterNav } from "@/components/cluster-nav";
import { requirePageOperator } from "@/lib/auth/current";
import { AppError } from "@/lib/errors";
import { getInventory } from "@/lib/inventory";

export const dynamic = "force-dynamic";

function clusterList(): { id: string; label: string }[] {
  try {
    return getInventory().clusters.map((c) => ({ id: c.id, label: c.label ?? c.id }));
  } catch (err) {
    // the home page explains an unusable inventory; the nav just has nothing to list
    if (err instanceof AppError) return [];
    throw err;
  }
}

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const operator = await requirePageOperator();
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Cluster<span>Deck</span>
        </Link>
        <ClusterNav clusters={clusterList()} />
        <div className="who">
          <Link href="/settings" data-testid="nav-settings">
            Settings
          </Link>
          {operator.role === "admin" ? (
            <Link href="/settings/users" data-testid="nav-users">
              Users
            </Link>
          ) : null}
          <Link href="/account" data-testid="nav-account">
            Account
          </Link>
          <span data-testid="operator">{operator.username}</span>
          <span className="role-badge">{operator.role}</span>
          <form action={signOut}>
            <button type="submit" className="link">
              Sign out
            </button>
          </form>
        </div>
      </header>
      {/* a user who must change their password sees only the form, whatever the URL (lib/auth/current refuses their actions) */}
      {operator.mustChangePassword ? <PasswordRequired operator={operator} /> : children}
    </>
  );
}
