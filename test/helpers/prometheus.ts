import { execFileSync } from 'node:child_process'

export interface ParsedSample { name: string, labels: Record<string, string>, value: number }
export interface ParsedFamily { name: string, type: string, help: string, samples: ParsedSample[] }

/**
 * Parses a scrape with the Prometheus project's own Python client (Debian's
 * python3-prometheus-client, `text_string_to_metric_families`): it raises on anything that is not
 * valid text exposition, so a scrape that parses here is one Prometheus reads.
 */
const PARSER = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
# NaN and +-Inf are valid sample values (an event-loop percentile before its first sample is NaN); JSON has
# no spelling for them, so they travel as strings.
def value(v):
    return v if math.isfinite(v) else ('NaN' if math.isnan(v) else ('Infinity' if v > 0 else '-Infinity'))
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({'name': f.name, 'type': f.type, 'help': f.documentation,
                'samples': [{'name': s.name, 'labels': s.labels, 'value': value(s.value)} for s in f.samples]})
print(json.dumps(out))
`

export function parseExposition (text: string): ParsedFamily[] {
  const json = execFileSync('/usr/bin/python3', ['-c', PARSER], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return JSON.parse(json, (key, v: unknown) => key === 'value' && typeof v === 'string' ? Number(v) : v) as ParsedFamily[]
}

/** The value of one sample (0 when absent: a labelled counter appears at its first increment). */
export function sampleValue (families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  let total = 0
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value
    }
  }
  return total
}
