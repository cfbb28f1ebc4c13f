import type { World } from "../../model/types";
import type { Account } from "./accounts";
import type { DatabaseCluster } from "./cluster";
import type { MysqlServer } from "./server";

export interface Column {
  name: string;
  numeric: boolean;
}

export type StmtResult =
  | { kind: "rows"; columns: Column[]; rows: (string | null)[][] }
  | { kind: "ok"; /** rows affected, as `Query OK, N rows affected` reports them */ affected: number };

export const OK: StmtResult = { kind: "ok", affected: 0 };

/** one client connection: who logged in, from where, and to which server */
export interface SqlSession {
  world: World;
  cluster: DatabaseCluster;
  server: MysqlServer;
  database: string | null;
  /** the user name the client logged in with */
  user: string;
  /** the account that matched (privileges come from it) */
  account: Account;
  /** `localhost` over the socket, else the client's address */
  clientHost: string;
  /** the connection's thread id (CONNECTION_ID(), SHOW PROCESSLIST) */
  threadId: number;
}
