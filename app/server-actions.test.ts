import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Issue 10's table of server actions × roles. A server action is a public POST endpoint: whoever can
// reach the console can call any of them with any input. So every exported function of every
// "use server" file must check the operator's role as its very first step (before it parses its
// input or reads anything), with the role this table gives it. A new action that is not in the table
// fails here until someone decides its role.

type Needs = "viewer" | "operator" | "admin" | "signed-in" | "public";

const TABLE: Record<string, Needs> = {
  "app/sign-in/actions.ts#signIn": "public",
  "app/(console)/actions.ts#signOut": "public",
  "app/(console)/account/actions.ts#changePassword": "signed-in",
  "app/(console)/clusters/[clusterId]/incidents/[id]/actions.ts#addNote": "operator",
  "app/(console)/clusters/[clusterId]/audit/actions.ts#saveAuditRetention": "admin",
  "app/(console)/clusters/[clusterId]/drills/actions.ts#acknowledgeFailoverAction": "operator",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#previewWorkflow": "operator",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#startWorkflow": "operator",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#approveStep": "operator",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#setApprovalPolicy": "admin",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#finishWaitEarly": "operator",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#cancelRun": "operator",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#retryRun": "operator",
  "app/(console)/clusters/[clusterId]/workflows/actions.ts#resolveRun": "admin",
  "app/(console)/clusters/[clusterId]/host-keys/actions.ts#acceptHostKeyAction": "admin",
  "app/(console)/clusters/[clusterId]/host-keys/actions.ts#rejectHostKeyAction": "admin",
  "app/(console)/clusters/[clusterId]/host-keys/actions.ts#revokeHostKeyAction": "admin",
  "app/(console)/clusters/[clusterId]/host-keys/actions.ts#trustOnFirstUseAction": "admin",
  "app/(console)/settings/actions.ts#saveWebhookUrl": "admin",
  "app/(console)/settings/users/actions.ts#addUser": "admin",
  "app/(console)/settings/users/actions.ts#changeRole": "admin",
  "app/(console)/settings/users/actions.ts#setDisabled": "admin",
  "app/(console)/settings/users/actions.ts#deleteUser": "admin",
  "app/(console)/settings/users/actions.ts#resetPassword": "admin",
};

function serverActionFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...serverActionFiles(full));
    else if (/\.tsx?$/.test(entry.name) && /^\s*["']use server["']/.test(fs.readFileSync(full, "utf8"))) out.push(full);
  }
  return out;
}

/** The role the function's first statement checks, or a description of what it does instead. */
function firstCheck(fn: ts.FunctionDeclaration, source: ts.SourceFile): Needs | string {
  let first = fn.body?.statements[0];
  // `try { await requireRole(…); … }` is as good: the check is still the first thing that runs
  while (first && ts.isTryStatement(first)) first = first.tryBlock.statements[0];
  if (!first) return "an empty body";
  let expr: ts.Expression | undefined;
  if (ts.isReturnStatement(first)) expr = first.expression;
  else if (ts.isExpressionStatement(first)) expr = first.expression;
  else if (ts.isVariableStatement(first)) expr = first.declarationList.declarations[0]?.initializer;
  if (expr && ts.isAwaitExpression(expr)) expr = expr.expression;
  if (expr && ts.isCallExpression(expr) && ts.isIdentifier(expr.expression)) {
    const callee = expr.expression.text;
    const arg = expr.arguments[0];
    if ((callee === "authorizedAction" || callee === "requireRole") && arg && ts.isStringLiteral(arg)) return arg.text as Needs;
    if (callee === "requireSignedIn") return "signed-in";
  }
  return `first statement \`${first.getText(source).slice(0, 80)}\``;
}

const root = process.cwd();
const found = new Map<string, Needs | string>();
for (const file of serverActionFiles(path.join(root, "app"))) {
  const text = fs.readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  for (const node of source.statements) {
    if (!ts.isFunctionDeclaration(node) || !node.name) continue;
    if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    found.set(`${path.relative(root, file)}#${node.name.text}`, firstCheck(node, source));
  }
}

describe("every server action checks the role first", () => {
  it("finds the actions on disk, and the table names each of them", () => {
    expect(found.size).toBeGreaterThan(15);
    expect([...found.keys()].filter((k) => !(k in TABLE)), "actions with no role in the table").toEqual([]);
    expect(Object.keys(TABLE).filter((k) => !found.has(k)), "table rows with no action").toEqual([]);
  });

  it.each(Object.entries(TABLE).filter(([, needs]) => needs !== "public"))("%s needs %s", (key, needs) => {
    expect(found.get(key)).toBe(needs);
  });
});
