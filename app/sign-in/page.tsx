import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Client } from "@/app/sign-in/client";
import { currentOperator } from "@/lib/auth/current";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (await currentOperator()) redirect("/");
  const { next } = await searchParams;
  return <Client next={typeof next === "string" ? next : undefined} />;
}
