"""What the Q&A and chat flows share: passages for the prompt, the gate's fixed reply, citations."""
