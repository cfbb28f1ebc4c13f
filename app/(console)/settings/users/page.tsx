import { redirect } from "next/navigation";
import { Client } from "@/app/(console)/settings/users/client";
import { requirePageOperator } from "@/lib/auth/current";
import { listUsers } from "@/lib/auth/users";

export const dynamic = "force-dynamic";

export const metadata = { title: "Users" };

export default async function UsersPage() {
  const operator = await requirePageOperator();
  if (operator.role !== "admin") redirect("/settings?refused=users");
  return <Client me={operator.id} users={await listUsers()} />;
}
