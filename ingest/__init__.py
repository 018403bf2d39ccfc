"""Notes -> chunks -> vectors -> Chroma index, and the read side (search)."""
