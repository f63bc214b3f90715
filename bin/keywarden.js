#!/usr/bin/env node
// Thin launcher so `npx keywarden` works from the compiled output that `npm ci` builds (prepare script).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
