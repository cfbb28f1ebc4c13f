import Link from "next/link";
import type { ReactNode } from "react";
import { signOut } from "@/app/(console)/actions";
import { requirePageOperator } from "@/lib/auth/current";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const operator = await requirePageOperator();
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Cluster<span>Deck</span>
        </Link>
        <nav className="nav" aria-label="Main">
          <Link href="/">Overview</Link>
        </nav>
        <div className="who">
          <span data-testid="operator">{operator.username}</span>
          <span className="role-badge">{operator.role}</span>
          <form action={signOut}>
            <button type="submit" className="link">
              Sign out
            </button>
          </form>
        </div>
      </header>
      {children}
    </>
  );
}
