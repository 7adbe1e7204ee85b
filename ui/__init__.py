"""The Gradio user interface: one builder per tab, rendering, and the mapping of service errors to what a
person sees. It holds no logic of its own: every button calls `service.handlers.Handlers`."""
