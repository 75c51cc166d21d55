"""Developer helper scripts for langchain-synaptic-groq (not part of the package)."""
