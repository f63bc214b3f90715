#!/usr/bin/env node
// Runs the compiled CLI that `npm ci` builds through the prepare script.
import "../dist/cli/bin.js";
