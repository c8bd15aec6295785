"""The web service: visitor gateway, chat widget, staff dashboard; imports composition and below, not ops or cli."""
