"""Study mode: the question bank, its verification, FSRS review scheduling, progress and exams, the SQLite store."""

from core.pf_env import use_project_pf_home

# Before promptflow is imported (`python -m study` imports this package first): the project's pf home and pf's
# offline settings where the environment does not set them, with or without make or activation (else pf reads
# ~/.promptflow and tries an Azure settings host).
use_project_pf_home()
