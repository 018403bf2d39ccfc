"""The study tabs of the browser page (Practice, Review, Progress, Exam): a thin Gradio front over `study`."""
