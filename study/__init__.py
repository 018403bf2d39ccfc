"""Study mode: the question bank, its verification, FSRS review scheduling, progress and exams, the SQLite store."""
