"""Evaluation of studyflow answers: scorers (local and LLM judges) and their agreement with human judgements."""
