// Runs statements on the ClickHouse engine inside npm's chdb package and
// prints one JSON result per statement. Input (argv[2]): a JSON file
// {"dir": data directory, "args": engine arguments, "steps": [{"sql": "..."}]}.
// Every statement runs, in order, in one session; a failed statement does
// not stop the ones after it. Output: a JSON array of
// {"out": TSVWithNamesAndTypes text, "error": message or ""}, and the
// engine's version first as {"version": "26.7.2.1"}.
"use strict";
const fs = require("fs");
const { Session } = require("chdb");

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let session;
try {
  session = new Session(input.dir, { connectionArgs: input.args || [] });
} catch (e) {
  process.stdout.write(JSON.stringify({ version: "", start_error: String(e && e.message || e), results: [] }));
  process.exit(0);
}
const version = session.query("SELECT version()", "TSV").trim();
const results = [];
for (const step of input.steps) {
  try {
    results.push({ out: session.query(step.sql, "TSVWithNamesAndTypes"), error: "" });
  } catch (e) {
    results.push({ out: "", error: String(e && e.message || e) });
  }
}
session.cleanup();
process.stdout.write(JSON.stringify({ version, start_error: "", results }));
