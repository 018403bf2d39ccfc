from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from answering.endpoint import check_local_endpoint


# typing.Union, not "|": promptflow only resolves connection inputs from Union annotations.
@tool
def check_model(connection: Union[OpenAIConnection, AzureOpenAIConnection]) -> bool:  # noqa: UP007
    """True when the LLM endpoint can be called; a stopped local server raises a one-line error instead."""
    check_local_endpoint(getattr(connection, "base_url", None))
    return True
