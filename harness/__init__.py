"""What tests and benchmarks share, imported by both and importing neither: free ports (ports), servers in child
processes (serving), private pf homes and `pf flow test` (pf), the browser page driver (browser), a fault-injecting
OpenAI server (fake_openai), the load driver (load), injected notes (injection), timing figures (timing) and the
question sets (questions)."""
