import { redirect } from "next/navigation";
import { requirePageOperator } from "@/lib/auth/current";
import { AppError } from "@/lib/errors";
import { getInventory } from "@/lib/inventory";

export const dynamic = "force-dynamic";

export default async function Home() {
  await requirePageOperator();
  let first: string | undefined;
  try {
    first = getInventory().clusters[0]?.id;
  } catch (err) {
    if (err instanceof AppError && (err.code === "InventoryInvalid" || err.code === "NotFound")) {
      return (
        <main>
          <div className="banner crit" role="alert">
            <strong>The inventory cannot be used.</strong>
            <pre>{err.message}</pre>
          </div>
        </main>
      );
    }
    throw err;
  }
  if (!first) throw new Error("the inventory has no clusters");
  redirect(`/clusters/${encodeURIComponent(first)}`);
}
