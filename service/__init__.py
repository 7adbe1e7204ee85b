"""Everything between a user message and a streamed answer.

Model resolution (`service.models`), chat backends behind one interface (`service.backends`),
the managed vLLM server (`service.vllm_server`) and the settings that configure them
(`service.settings`). The CLI is `python -m service`.
"""
