"""What the Q&A and chat flows share and decide: the question check, the relevance gate and its fixed reply,
passages for the prompt (and the prompts' common text, in prompts/), the LLM client, grounding and citations."""
