// A worker thread of the tree scan: receives batches of paths, answers with their findings.
import { parentPort } from "node:worker_threads";
import { scanFiles } from "./file-scan.js";

interface Job {
  root: string;
  paths: string[];
  maxBytes: number;
  archiveDepth: number;
}

parentPort?.on("message", (job: Job) => {
  parentPort?.postMessage(scanFiles(job.root, job.paths, job.maxBytes, job.archiveDepth));
});
