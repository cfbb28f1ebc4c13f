/** @type {import('next').NextConfig} */
const nextConfig = {
  // ssh2's optional native addon breaks both bundlers; better-sqlite3 is native too.
  serverExternalPackages: ["ssh2", "better-sqlite3", "@prisma/adapter-better-sqlite3"],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  outputFileTracingRoot: import.meta.dirname,
};

export default nextConfig;
