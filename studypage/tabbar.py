"""The page's tab bar: a radio row that shows one panel (a Column) at a time, switched in the browser by CSS.

Not `gr.Tabs`: in Gradio 6.15.1 switching between two other tabs while the chat tab holds ChatInterface's saved
history list (a Dataset with samples) loops Svelte forever (`effect_update_depth_exceeded`) and freezes the page;
the fix (gradio-app/gradio#13240) is in a later release than promptflow-core's starlette pin allows. Here every
panel stays rendered and the switch is one attribute on <body>, so nothing re-mounts and the chat keeps its place.
"""

from __future__ import annotations

import gradio as gr

TABS = [("Ask", "ask"), ("Practice", "practice"), ("Review", "review"), ("Progress", "progress"), ("Exam", "exam")]
FIRST = TABS[0][1]
# Runs in the browser on every change of the radio, a click or a value sent by the server ("Practise my weak
# chapters" switches to Practice).
SWITCH_JS = "(tab) => { document.body.dataset.sfTab = tab; return tab; }"


def css() -> str:
    shown = ", ".join(f'body[data-sf-tab="{tab}"] #sf-tab-{tab}' for _, tab in TABS)
    return f"""
.sf-tab {{ display: none !important; }}
body:not([data-sf-tab]) #sf-tab-{FIRST}, {shown} {{ display: flex !important; }}
#sf-nav, #sf-nav fieldset {{ background: none; border: none !important; box-shadow: none; outline: none; padding: 0; }}
#sf-nav .wrap {{ gap: 0; border-bottom: 1px solid var(--border-color-primary); }}
#sf-nav label {{ background: none !important; border: none !important; border-bottom: 2px solid transparent !important;
  border-radius: 0 !important; box-shadow: none !important; padding: 6px 16px; cursor: pointer; }}
#sf-nav label.selected {{ border-bottom-color: var(--color-accent) !important; color: var(--color-accent); }}
#sf-nav input {{ display: none; }}
"""


def bar() -> gr.Radio:
    nav = gr.Radio(TABS, value=FIRST, show_label=False, container=False, elem_id="sf-nav")
    nav.change(None, nav, None, js=SWITCH_JS)
    return nav


def panel(tab: str) -> gr.Column:
    """The Column holding one tab's content; use as `with panel("practice"):`."""
    return gr.Column(elem_id=f"sf-tab-{tab}", elem_classes="sf-tab")
