"""What every part of studyflow shares and nothing else: the error type, text cleaning, the project root and
reading settings from the environment. Imports nothing of ours; everything may import it."""
