"""The embedded default LLM: a local llama.cpp OpenAI-compatible server (`python -m local_llm start`)."""
