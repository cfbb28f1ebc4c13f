import { Client } from "@/app/(console)/settings/client";
import { requirePageOperator } from "@/lib/auth/current";
import { getWebhookSetting } from "@/lib/settings";

export const dynamic = "force-dynamic";

export const metadata = { title: "Settings" };

export default async function SettingsPage() {
  const operator = await requirePageOperator();
  return <Client role={operator.role} webhook={await getWebhookSetting()} />;
}
