from promptflow.core import tool


@tool
def choice(exam: dict | None = None) -> str:
    """The flow's `choice` output: the letters ("B", "A, C"); empty for a plain question or a declined one."""
    return ", ".join(exam.get("choice", [])) if exam else ""
