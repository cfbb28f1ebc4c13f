import { Client } from "@/app/(console)/account/client";
import { requirePageOperator } from "@/lib/auth/current";

export const dynamic = "force-dynamic";

export const metadata = { title: "Account" };

export default async function AccountPage() {
  const operator = await requirePageOperator();
  return <Client username={operator.username} role={operator.role} required={operator.mustChangePassword === true} />;
}
