/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Python service serves the built files from its package folder (git-ignored).
const outDir = fileURLToPath(new URL("../src/emby_analytics/web/", import.meta.url));

// `npm run dev` proxies API calls to a service on EMBY_ANALYTICS_URL (default http://127.0.0.1:8080).
const api = process.env.EMBY_ANALYTICS_URL ?? "http://127.0.0.1:8080";
const apiPrefixes = ["/health", "/config", "/version", "/stats", "/items", "/img", "/now", "/admin", "/openapi.json"];

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    proxy: Object.fromEntries(
      apiPrefixes.map((p) => [
        p,
        {
          target: api,
          // A browser navigating to a client route such as /admin gets the app, not the API.
          bypass: (req: { headers: Record<string, string | string[] | undefined> }) =>
            String(req.headers.accept ?? "").includes("text/html") ? "/index.html" : undefined,
        },
      ]),
    ),
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
