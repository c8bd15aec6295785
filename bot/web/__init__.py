"""The web service on WEB_PORT: the visitor gateway and chat widget, and the staff dashboard."""
